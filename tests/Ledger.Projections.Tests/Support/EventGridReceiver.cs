using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ledger.Projections.Tests.Support;

/// <summary>One CloudEvent as the receiver got it.</summary>
internal sealed record ReceivedEvent(string Id, string Type, string Source, string? Subject, string? Time, JsonElement Data);

/// <summary>
/// The Event Grid publish endpoint, enough of it to test the real SDK against: a Kestrel server on
/// 127.0.0.1 with HTTPS on a self-signed certificate made here, POST /api/events with the topic key in
/// <c>aeg-sas-key</c> and a JSON array of CloudEvents as <c>application/cloudevents-batch+json</c>.
/// It can answer 500 to the first requests, to test retries, and it notes every protocol violation.
/// </summary>
internal sealed class EventGridReceiver : IAsyncDisposable
{
    public const string Key = "test-topic-key-0123456789";

    private readonly WebApplication _app;
    private int _failuresLeft;

    private EventGridReceiver(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        Certificate = certificate;
    }

    public X509Certificate2 Certificate { get; }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Every event of every request that was answered 200, in arrival order, repeats included.</summary>
    public ConcurrentQueue<ReceivedEvent> Events { get; } = new();

    public ConcurrentQueue<string> Violations { get; } = new();

    public int Requests => _requests;

    public int RefusedRequests => _refused;

    private int _requests;
    private int _refused;

    public void FailNextRequests(int count) => Volatile.Write(ref _failuresLeft, count);

    /// <summary>The events de-duplicated by id, each where it first arrived: what a de-duplicating receiver keeps.</summary>
    public List<ReceivedEvent> Distinct()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return Events.Where(received => seen.Add(received.Id)).ToList();
    }

    public static async Task<EventGridReceiver> StartAsync()
    {
        var certificate = CreateCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        var receiver = new EventGridReceiver(app, certificate);
        app.MapPost("/api/events", (Delegate)receiver.ReceiveAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Endpoint = new Uri(new Uri(address), "/api/events");
        return receiver;
    }

    /// <summary>Trusts exactly the receiver's certificate, nothing else.</summary>
    public HttpClientHandler TrustingHandler() => new()
    {
        ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.RawData.AsSpan().SequenceEqual(Certificate.RawData),
    };

    private async Task<IResult> ReceiveAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (context.Request.Headers["aeg-sas-key"].ToString() != Key)
        {
            Violations.Enqueue("missing or wrong aeg-sas-key");
            return Results.Unauthorized();
        }

        if (context.Request.ContentType is not { } contentType || !contentType.StartsWith("application/cloudevents-batch+json", StringComparison.Ordinal))
        {
            Violations.Enqueue("content type " + context.Request.ContentType);
            return Results.StatusCode(415);
        }

        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            Interlocked.Increment(ref _refused);
            return Results.StatusCode(500);
        }

        if (body.RootElement.ValueKind != JsonValueKind.Array)
        {
            Violations.Enqueue("body is not a JSON array");
            return Results.BadRequest();
        }

        foreach (var item in body.RootElement.EnumerateArray())
        {
            if (item.GetProperty("specversion").GetString() != "1.0")
            {
                Violations.Enqueue("specversion is not 1.0");
            }

            Events.Enqueue(new ReceivedEvent(
                item.GetProperty("id").GetString()!,
                item.GetProperty("type").GetString()!,
                item.GetProperty("source").GetString()!,
                item.TryGetProperty("subject", out var subject) ? subject.GetString() : null,
                item.TryGetProperty("time", out var time) ? time.GetString() : null,
                item.GetProperty("data").Clone()));
        }

        return Results.Ok();
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));

        // Re-imported so the private key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), password: null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }
}
