using Ledger.Dashboard;
using Ledger.Domain;
using Ledger.Host;
using Ledger.Host.OpenApi;
using Ledger.Hosting;
using Ledger.Http;

// SQLite calls block their thread (reads and the fsync of a commit); on a small machine the thread pool
// would otherwise grow one thread at a time under a burst and starve requests for seconds.
ThreadPool.GetMinThreads(out var minimumWorkers, out var minimumIo);
ThreadPool.SetMinThreads(Math.Max(minimumWorkers, LocalHost.MinimumWorkerThreads), minimumIo);
LocalHostStartup.ExitOnConfigurationError();

// appsettings*.json are found beside the host's assembly from any working directory.
var builder = WebApplication.CreateBuilder(LocalHostStartup.Options(args));
LocalHostStartup.AnchorDataDirectory(builder);

// The documented address when neither --urls nor ASPNETCORE_URLS chooses one.
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
{
    builder.WebHost.UseUrls(LocalHost.DefaultUrl);
}

builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = RequestBody.MaxBytes * 4);
builder.Services.AddLedger(builder.Configuration);
builder.Services.AddLedgerProjections(builder.Configuration);
builder.Services.AddTransferSagaRunner(builder.Configuration);
builder.Services.AddLedgerHealthChecks(builder.Configuration);
builder.Services.AddLedgerCors(builder.Configuration);
builder.AddLedgerTelemetry();
builder.Services.AddLedgerOpenApi();

var app = builder.Build();
app.UseCors();
app.UseLedgerInFlightBound(LocalHostTelemetry.MetricsPath);
app.UseRouting();
app.UseMiddleware<ProblemStatusMiddleware>();
app.UseLedgerRequestLimits();
app.MapLedgerDocs();
app.MapLedgerDashboard();
app.MapLedgerHealthChecks();
app.MapLedgerMetrics();
app.MapLedgerRoutes();
app.MapFallback((HttpContext context) => LocalHost.NoRoute(context));
LocalHostStartup.ValidateAndAnnounce(app);
app.Run();

/// <summary>The entry point's type, public so API tests can host it with WebApplicationFactory.</summary>
public partial class Program;
