using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("Ledger.Store.Cosmos.Tests.Contract.CosmosAwareTestFramework", "Ledger.Store.Cosmos.Tests")]

namespace Ledger.Store.Cosmos.Tests.Contract;

/// <summary>
/// xunit 2's own framework, except that the tests of a <see cref="RequiresCosmosAttribute"/> class are
/// discovered as skipped — each one, by name, with <see cref="CosmosConnection.SkipReason"/> — when no
/// Cosmos DB connection is configured. xunit 2 has no way for a test to skip itself at run time, and
/// the shared contract's facts are plain <see cref="FactAttribute"/>s this project cannot change, so
/// discovery is where the decision is made. Every other test is discovered exactly as xunit does.
/// </summary>
public sealed class CosmosAwareTestFramework : XunitTestFramework
{
    public CosmosAwareTestFramework(IMessageSink messageSink)
        : base(messageSink)
    {
    }

    protected override ITestFrameworkDiscoverer CreateDiscoverer(IAssemblyInfo assemblyInfo)
        => new CosmosAwareTestFrameworkDiscoverer(assemblyInfo, SourceInformationProvider, DiagnosticMessageSink);
}

public sealed class CosmosAwareTestFrameworkDiscoverer : XunitTestFrameworkDiscoverer
{
    public CosmosAwareTestFrameworkDiscoverer(IAssemblyInfo assemblyInfo, ISourceInformationProvider sourceProvider, IMessageSink diagnosticMessageSink)
        : base(assemblyInfo, sourceProvider, diagnosticMessageSink)
    {
    }

    protected override bool FindTestsForMethod(ITestMethod testMethod, bool includeSourceInformation, IMessageBus messageBus, ITestFrameworkDiscoveryOptions discoveryOptions)
    {
        if (CosmosConnection.IsConfigured || !testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresCosmosAttribute)).Any())
        {
            return base.FindTestsForMethod(testMethod, includeSourceInformation, messageBus, discoveryOptions);
        }

        if (!testMethod.Method.GetCustomAttributes(typeof(FactAttribute)).Any())
        {
            return true;
        }

        var testCase = new CosmosSkippedTestCase(
            DiagnosticMessageSink,
            discoveryOptions.MethodDisplayOrDefault(),
            discoveryOptions.MethodDisplayOptionsOrDefault(),
            testMethod);
        return ReportDiscoveredTestCase(testCase, includeSourceInformation, messageBus);
    }
}

/// <summary>A test that needs Cosmos DB, discovered while none is configured: it reports the skip reason.</summary>
public sealed class CosmosSkippedTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer only.", error: true)]
    public CosmosSkippedTestCase()
    {
    }

    public CosmosSkippedTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute) => CosmosConnection.SkipReason;
}
