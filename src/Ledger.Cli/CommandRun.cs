using System.CommandLine;
using Ledger.Cli.Output;
using Ledger.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Cli;

/// <summary>
/// One command being carried out: its parsed command line, the context it writes to, and the client
/// (built on first use from --url/LEDGER_URL, --api-key/LEDGER_API_KEY or --token/LEDGER_TOKEN, and
/// --timeout) through which every request goes.
/// </summary>
internal sealed class CommandRun(ParseResult parse, CliContext context) : IAsyncDisposable
{
    private ServiceProvider? _services;
    private LedgerClient? _client;

    public ParseResult Parse => parse;

    public CliContext Context => context;

    public TextWriter Out => context.Out;

    public TextWriter Error => context.Error;

    /// <summary>Whether the answer is printed as JSON (<c>--json</c>) rather than for people.</summary>
    public bool Json => parse.GetValue(CliOptions.Json);

    public LedgerClient Client => _client ??= BuildClient();

    public T? Value<T>(Option<T> option) => parse.GetValue(option);

    public T Value<T>(Argument<T> argument) => parse.GetValue(argument)!;

    /// <summary>Prints <paramref name="value"/> as JSON with --json, otherwise as <paramref name="human"/> writes it.</summary>
    public void Print<T>(T value, Action<TextWriter, T> human)
    {
        if (Json)
        {
            CliJson.Write(Out, value);
        }
        else
        {
            human(Out, value);
        }
    }

    /// <summary>A remark for people (on standard error, so it never mixes into what a script reads).</summary>
    public void Note(string text)
    {
        if (!Json)
        {
            Error.WriteLine(text);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    private LedgerClient BuildClient()
    {
        var (address, apiKey, token) = Connection();
        var services = new ServiceCollection();
        var builder = services.AddLedgerClient(options =>
        {
            options.BaseAddress = address;
            options.ApiKey = apiKey;
            options.BearerToken = token;
            options.TotalTimeout = TimeSpan.FromSeconds(parse.GetValue(CliOptions.TimeoutSeconds));
            options.AttemptTimeout = options.TotalTimeout < options.AttemptTimeout ? options.TotalTimeout : options.AttemptTimeout;
        });
        if (context.Handler is { } handler)
        {
            builder.ConfigurePrimaryHttpMessageHandler(handler);
        }

        _services = services.BuildServiceProvider();
        return _services.GetRequiredService<LedgerClient>();
    }

    private (Uri Address, string? ApiKey, string? Token) Connection()
    {
        var url = parse.GetValue(CliOptions.Url) ?? NonEmpty(context.Environment(CliOptions.UrlVariable)) ?? CliOptions.DefaultUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"'{url}' is not an http or https URL (--url or {CliOptions.UrlVariable}).");
        }

        // An option given on the command line wins over the environment; two credentials from one place are a mistake.
        var fromOptions = Credentials(parse.GetValue(CliOptions.ApiKey), parse.GetValue(CliOptions.Token), "--api-key and --token");
        var (apiKey, token) = fromOptions.ApiKey is null && fromOptions.Token is null
            ? Credentials(NonEmpty(context.Environment(CliOptions.ApiKeyVariable)), NonEmpty(context.Environment(CliOptions.TokenVariable)), $"{CliOptions.ApiKeyVariable} and {CliOptions.TokenVariable}")
            : fromOptions;
        return (address, apiKey, token);
    }

    private static (string? ApiKey, string? Token) Credentials(string? apiKey, string? token, string names)
        => apiKey is not null && token is not null
            ? throw new UsageException($"Give an API key or a bearer token, not both ({names} are both set).")
            : (apiKey, token);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
