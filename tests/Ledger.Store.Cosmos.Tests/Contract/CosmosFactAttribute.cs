using Xunit;

namespace Ledger.Store.Cosmos.Tests.Contract;

/// <summary>A fact that needs a Cosmos DB account; reported as skipped, with the reason, when
/// <see cref="CosmosConnection.VariableName"/> is not set.</summary>
public sealed class CosmosFactAttribute : FactAttribute
{
    public CosmosFactAttribute()
    {
        if (!CosmosConnection.IsConfigured)
        {
            Skip = CosmosConnection.SkipReason;
        }
    }
}

/// <summary>
/// Marks a test class whose every test needs Cosmos DB, even tests it inherits with a plain
/// <see cref="FactAttribute"/> (the shared store contract). <see cref="CosmosAwareTestFramework"/>
/// reports each of them as skipped when no connection is configured.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RequiresCosmosAttribute : Attribute
{
}
