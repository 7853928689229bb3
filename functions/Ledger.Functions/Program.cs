using Ledger.Hosting;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The Functions host adds only wiring: the engine, store, HTTP handling and consumers are the local
// host's, from Ledger.Hosting. Sagas run as Durable orchestrations instead of the in-process runner.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddLedger(builder.Configuration);
builder.Services.AddLedgerProjections(builder.Configuration, runConsumersInProcess: false);
builder.Build().Run();
