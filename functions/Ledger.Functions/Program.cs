using Ledger.Functions;
using Ledger.Hosting;
using Ledger.Projections;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Hosting;

// The Functions host adds only wiring: the engine, store, HTTP handling and consumers are the local
// host's, from Ledger.Hosting. Sagas run as Durable orchestrations instead of the in-process runner.
var builder = FunctionsApplication.CreateBuilder(args);

// Below every other configuration source: an export file on one instance's disk is invisible to every other
// instance, so the Functions app keeps export files in Blob Storage unless a setting says otherwise.
builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
{
    InitialData = [new($"{ProjectionServiceCollectionExtensions.ExportsSection}:Store", nameof(ExportFileStoreKind.Blob))],
});
builder.ConfigureFunctionsWebApplication();
builder.Services.AddLedger(builder.Configuration);
builder.Services.AddLedgerProjections(builder.Configuration, runConsumersInProcess: false);
builder.Services.AddLedgerHealthChecks(builder.Configuration, consumersInProcess: false);
builder.AddLedgerTelemetry();
builder.Build().Run();
