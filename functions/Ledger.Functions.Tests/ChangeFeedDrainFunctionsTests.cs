using System.Reflection;
using Ledger.Domain;
using Ledger.Engine;
using Ledger.Functions.Tests.Support;
using Ledger.Hosting;
using Ledger.Projections;
using Ledger.Storage;
using Ledger.Storage.InMemory;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Functions.Tests;

/// <summary>The change-feed timers as the Functions host reads them (compiled attributes), and what invoking one does.</summary>
public sealed class ChangeFeedDrainFunctionsTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("ledger-drain-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public void Each_drain_function_is_a_timer_on_the_schedule_that_fires_once_a_period_and_never_at_start_up()
    {
        var functions = DrainFunctions();
        Assert.Equal(4, functions.Count);
        foreach (var function in functions)
        {
            var trigger = Assert.Single(function.GetParameters().Select(parameter => parameter.GetCustomAttribute<TimerTriggerAttribute>()).OfType<TimerTriggerAttribute>());
            Assert.Equal(ChangeFeedDrainFunctions.Schedule, trigger.Schedule);
            Assert.False(trigger.RunOnStartup);
            Assert.Equal(typeof(Task), function.ReturnType);
        }

        // NCRONTAB with seconds: "every N seconds", N being the period the drain budget must stay under.
        Assert.Equal(ChangeFeedDrainFunctions.Schedule, $"*/{ChangeFeedDrainFunctions.Period.TotalSeconds} * * * * *");
        Assert.True(new ChangeFeedProcessorOptions().DrainBudget < ChangeFeedDrainFunctions.Period);
    }

    [Fact]
    public void Function_names_are_unique_across_the_compiled_app()
    {
        var names = typeof(ChangeFeedDrainFunctions).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Select(method => method.GetCustomAttribute<FunctionAttribute>()?.Name)
            .OfType<string>()
            .ToArray();
        Assert.Contains("DrainSnapshots", names);
        Assert.Equal(names.Length, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    /// <summary>Invoking each timer moves exactly one consumer's checkpoint, and together they cover every consumer the composition registers.</summary>
    [Fact]
    public async Task Each_timer_drains_its_own_consumer_and_every_registered_consumer_has_one()
    {
        await using var provider = Compose();
        var processors = provider.GetRequiredService<ChangeFeedProcessors>();
        var store = provider.GetRequiredService<ILedgerStore>();
        await OpenAccountAsync(provider, "alice");
        var functions = new ChangeFeedDrainFunctions(processors, NullLogger<ChangeFeedDrainFunctions>.Instance);

        var drained = new List<string>();
        foreach (var function in DrainFunctions())
        {
            var before = await CheckpointsAsync(store, processors);
            await (Task)function.Invoke(functions, [new TimerInfo(), CancellationToken.None])!;
            var moved = (await CheckpointsAsync(store, processors)).Where(pair => before[pair.Key] != pair.Value).Select(pair => pair.Key);
            drained.Add(Assert.Single(moved));
        }

        Assert.Equal(processors.All.Select(processor => processor.Name).Order(StringComparer.Ordinal), drained.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Invoking_the_snapshot_timer_snapshots_the_new_entries()
    {
        await using var provider = Compose();
        var engine = provider.GetRequiredService<LedgerEngine>();
        await OpenAccountAsync(provider, "alice");
        var posted = await engine.PostTransactionAsync(FunctionsTestHost.App, IdempotencyKey.From("mint-1"), new TransactionPosting(TransactionKind.Mint, AccountId.From("alice"), 5, null, TransactionDetails.From("credit_purchase", null, null)), CancellationToken.None);
        Assert.True(posted.IsSuccess);
        var functions = new ChangeFeedDrainFunctions(provider.GetRequiredService<ChangeFeedProcessors>(), NullLogger<ChangeFeedDrainFunctions>.Instance);

        await functions.DrainSnapshots(new TimerInfo(), CancellationToken.None);

        var snapshots = await provider.GetRequiredService<ILedgerStore>().ReadRangeAsync(
            new RangeQuery(DocumentTypes.AccountPartition(FunctionsTestHost.App, AccountId.From("alice")), DocumentTypes.Snapshot, null, null, false, 10),
            CancellationToken.None);
        Assert.Equal(posted.Value.Sequence, DocumentCodec.Decode(Assert.Single(snapshots), LedgerDocumentJsonContext.Default.SnapshotDocument).Sequence);
    }

    [Fact]
    public async Task A_drain_budget_as_long_as_the_timer_period_is_refused_naming_the_setting()
    {
        await using var provider = Compose(("Ledger:Projections:DrainBudget", "00:00:10"));
        var refused = Assert.Throws<InvalidOperationException>(() => new ChangeFeedDrainFunctions(provider.GetRequiredService<ChangeFeedProcessors>(), NullLogger<ChangeFeedDrainFunctions>.Instance));
        Assert.Contains("Ledger:Projections:DrainBudget", refused.Message, StringComparison.Ordinal);
    }

    private static IReadOnlyList<MethodInfo> DrainFunctions()
        => typeof(ChangeFeedDrainFunctions).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(method => method.GetCustomAttribute<FunctionAttribute>() is not null)
            .ToArray();

    /// <summary>The Functions app's composition (Program.cs) on an in-memory store, with notifications enabled so every consumer is registered.</summary>
    private ServiceProvider Compose(params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Ledger:DataDirectory"] = _dataDirectory,
            ["Ledger:Apps:app1:ApiKeys:0"] = FunctionsTestHost.App1Key,
            ["Ledger:Apps:app1:Operations:DAILY_REWARD"] = "+1",
            ["Ledger:Apps:app1:Operations:SIGNUP_CREDIT"] = "+3",
            ["Ledger:Apps:app1:Operations:CREDIT_SPEND"] = "-1",
            ["Ledger:Apps:app1:Operations:CREDIT_ADD"] = "+10",
            ["Ledger:Notifications:Webhook:Url"] = "http://127.0.0.1:9/events",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddLedger(configuration);
        services.AddLedgerProjections(configuration, runConsumersInProcess: false);
        services.AddSingleton<ILedgerStore>(provider => new InMemoryLedgerStore(provider.GetRequiredService<TimeProvider>()));
        return services.BuildServiceProvider();
    }

    private static async Task OpenAccountAsync(IServiceProvider provider, string account)
    {
        var opened = await provider.GetRequiredService<LedgerEngine>().OpenAccountAsync(
            FunctionsTestHost.App,
            IdempotencyKey.From("open-" + account),
            new OpenAccountCommand(OwnerId.From("owner-1"), AccountId.From(account), 0, null),
            CancellationToken.None);
        Assert.True(opened.IsSuccess);
    }

    private static async Task<Dictionary<string, string?>> CheckpointsAsync(ILedgerStore store, ChangeFeedProcessors processors)
    {
        var checkpoints = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var processor in processors.All)
        {
            checkpoints[processor.Name] = await store.ReadCheckpointAsync(processor.Name, CancellationToken.None);
        }

        return checkpoints;
    }
}
