using Ledger.Storage;
using Ledger.Storage.ContractTests;
using Xunit;

namespace Ledger.Store.Cosmos.Tests.Contract;

/// <summary>
/// The shared store contract against a real Cosmos DB account or the emulator, when
/// <see cref="CosmosConnection.VariableName"/> is set; each fact gets two new containers, deleted after
/// it. Without the variable every fact is reported as skipped (see <see cref="CosmosAwareTestFramework"/>).
/// </summary>
[RequiresCosmos]
[Trait("Category", "CosmosContract")]
public sealed class CosmosLedgerStoreContractTests : LedgerStoreContract
{
    private CosmosStoreOptions? options;

    protected override async Task<ILedgerStore> CreateStoreAsync()
    {
        options = CosmosConnection.OptionsForFreshContainers();
        return await CosmosLedgerStore.CreateAsync(options);
    }

    protected override async Task OnStoreDisposedAsync()
    {
        if (options is not null)
        {
            await CosmosConnection.DeleteContainersAsync(options);
        }
    }
}
