using System.Text;
using Ledger.Http;
using Ledger.Storage;
using Ledger.Storage.InMemory;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Hosting.Tests.Support;

/// <summary>
/// The shared composition (<see cref="LedgerServiceCollectionExtensions.AddLedger"/>) on an in-memory store,
/// and requests built as the Functions host builds them: a bare <see cref="DefaultHttpContext"/> whose
/// route values the function sets itself, handed to <see cref="LedgerApi.HandleAsync"/>, and the returned
/// <see cref="IResult"/> executed on it. No ASP.NET Core routing is involved, as in a function.
/// </summary>
internal sealed class ApiContext : IAsyncDisposable
{
    public const string App1Key = "test-app1-key";

    private readonly ServiceProvider _provider;
    private readonly List<AsyncServiceScope> _requestScopes = [];
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "ledger-hosting-tests-" + Guid.NewGuid().ToString("N"));

    public ApiContext(bool withProjections = false)
    {
        Clock = new ManualClock();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ledger:Apps:app1:ApiKeys:0"] = App1Key,
            ["Ledger:Apps:app1:Operations:DAILY_REWARD"] = "+1",
            ["Ledger:Apps:app1:Operations:SIGNUP_CREDIT"] = "+3",
            ["Ledger:Apps:app1:Operations:CREDIT_SPEND"] = "-1",
            ["Ledger:Apps:app1:Operations:CREDIT_ADD"] = "+10",
            ["Ledger:DataDirectory"] = _dataDirectory,
        }).Build();

        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddLedger(configuration);
        if (withProjections)
        {
            services.AddLedgerProjections(configuration);
        }

        // Registered last, so it is the store every service gets instead of the configured one.
        services.AddSingleton<ILedgerStore>(_ => new InMemoryLedgerStore(Clock));
        _provider = services.BuildServiceProvider();
        Api = _provider.GetRequiredService<LedgerApi>();
    }

    public ManualClock Clock { get; }

    public LedgerApi Api { get; }

    public IServiceProvider Services => _provider;

    /// <summary>A request as the Functions host hands it over: method, path, headers and body, route values not yet set.</summary>
    public HttpContext NewContext(string method, string path, string? json = null, string? apiKey = App1Key, string? idempotencyKey = null)
    {
        // A scope per request, as both hosts give one: the authentication handlers live in it.
        var scope = _provider.CreateAsyncScope();
        _requestScopes.Add(scope);
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = method;
        context.Request.Path = path;
        if (apiKey is not null)
        {
            context.Request.Headers[LedgerApi.ApiKeyHeader] = apiKey;
        }

        if (idempotencyKey is not null)
        {
            context.Request.Headers[LedgerApi.IdempotencyKeyHeader] = idempotencyKey;
        }

        if (json is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            context.Request.ContentType = "application/json";
            context.Request.ContentLength = bytes.Length;
            context.Request.Body = new MemoryStream(bytes);
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    /// <summary>Writes the result as the Functions host does (it executes an <see cref="IResult"/>) and reads the response.</summary>
    public static async Task<ApiAnswer> ExecuteAsync(IResult result, HttpContext context)
    {
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        using var reader = new StreamReader(context.Response.Body, Encoding.UTF8, leaveOpen: true);
        return new ApiAnswer(context.Response.StatusCode, await reader.ReadToEndAsync(), context.Response.Headers.Location.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var scope in _requestScopes)
        {
            await scope.DisposeAsync();
        }

        await _provider.DisposeAsync();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}

/// <summary>A response: status, body and Location header.</summary>
internal sealed record ApiAnswer(int Status, string Body, string Location)
{
    public override string ToString() => $"{Status} {Body}";
}
