using System.Text.RegularExpressions;
using Ledger.Domain;
using Ledger.Host.Tests.Infrastructure;
using Ledger.Http;
using Ledger.Http.Authentication;

namespace Ledger.Host.Tests.Authentication;

/// <summary>
/// Every route against a key of every scope: a key whose scope the route's policy names gets past
/// authorization (whatever the route then answers), every other key gets 403 <c>insufficient_scope</c>;
/// an operator's key only passes the operator routes.
/// </summary>
public sealed partial class ScopeMatrixTests : IClassFixture<ScopeMatrixTests.Fixture>
{
    private readonly SecuredLedger _ledger;

    public ScopeMatrixTests(Fixture fixture) => _ledger = fixture.Secured;

    public static TheoryData<string, string> RoutesAndScopes()
    {
        var cases = new TheoryData<string, string>();
        foreach (var route in LedgerRoutes.All.Where(route => !route.Anonymous))
        {
            foreach (var scope in LedgerScopes.All)
            {
                cases.Add(route.Name, scope);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(RoutesAndScopes))]
    public async Task A_key_passes_a_route_exactly_when_the_route_admits_its_scope(string routeName, string scope)
    {
        var route = LedgerRoutes.Named(routeName);
        using var client = _ledger.Client(scope == LedgerScopes.Operator ? SecuredLedger.OperatorKey : SecuredLedger.KeyFor(scope));

        var response = await client.SendAsync(new HttpMethod(route.Method), "/" + Placeholder().Replace(route.Template, "acct-1"), BodyFor(route, scope));

        if (Admits(route, scope))
        {
            Assert.True(response.Status is not (401 or 403), $"{routeName} with {scope}: {response}");
        }
        else
        {
            ProblemAssert.Is(response, 403, ErrorCodes.InsufficientScope);
        }
    }

    [Fact]
    public void Every_route_but_health_and_ping_names_a_policy_made_of_known_scopes()
    {
        Assert.Equal(["Health", "Ping"], LedgerRoutes.All.Where(route => route.Anonymous).Select(route => route.Name));
        Assert.All(LedgerRoutes.All.Where(route => !route.Anonymous), route => Assert.All(LedgerScopes.AnyOf(route.Scope!), scope => Assert.True(LedgerScopes.IsKnown(scope), $"{route.Name}: {scope}")));
    }

    /// <summary>The expectation, stated apart from the handler: the route's alternatives, and an app's read key on operator routes.</summary>
    private static bool Admits(RouteDefinition route, string scope)
        => LedgerScopes.AnyOf(route.Scope!).Contains(scope) || (route.Scope == LedgerScopes.Operator && scope == LedgerScopes.Read);

    /// <summary>A body that gets past authorization to the handler: on /transactions the kind is the one the key's scope allows.</summary>
    private static HttpContent? BodyFor(RouteDefinition route, string scope)
    {
        if (route.Method != "POST")
        {
            return null;
        }

        return LedgerClient.Content(route.Name != "PostTransaction" ? "{}"
            : scope == LedgerScopes.Issue ? """{"kind":"mint","account_id":"acct-1","amount":1,"reason":"test"}"""
            : """{"kind":"operation","account_id":"acct-1","operation":"DAILY_REWARD"}""");
    }

    [GeneratedRegex(@"\{[a-z_]+\}")]
    private static partial Regex Placeholder();

    /// <summary>One secured host for the class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public SecuredLedger Secured { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public Task DisposeAsync() => Secured.DisposeAsync().AsTask();
    }
}
