using Microsoft.AspNetCore.Authorization;

namespace Ledger.Http.Authentication;

/// <summary>
/// The policy of a route: the principal holds one of the policy's scopes (<see cref="LedgerScopes.AnyOf"/>),
/// and acts for an app unless that scope is the operator's.
/// </summary>
public sealed record LedgerScopeRequirement(string Policy) : IAuthorizationRequirement
{
    public IReadOnlyList<string> AnyOf { get; } = LedgerScopes.AnyOf(Policy);
}

/// <summary>
/// Decides <see cref="LedgerScopeRequirement"/>. Operator routes also admit an app's <see cref="LedgerScopes.Read"/>
/// credential, which then sees its own app only (<see cref="ApiRequest.VisibleApp"/>).
/// </summary>
public sealed class LedgerScopeAuthorizationHandler : AuthorizationHandler<LedgerScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, LedgerScopeRequirement requirement)
    {
        foreach (var scope in requirement.AnyOf)
        {
            if (Grants(context, scope))
            {
                context.Succeed(requirement);
                break;
            }
        }

        return Task.CompletedTask;
    }

    private static bool Grants(AuthorizationHandlerContext context, string scope)
    {
        var user = context.User;
        var actsForApp = LedgerPrincipal.AppOf(user) is not null;
        return scope == LedgerScopes.Operator
            ? LedgerPrincipal.HasScope(user, LedgerScopes.Operator) || (actsForApp && LedgerPrincipal.HasScope(user, LedgerScopes.Read))
            : actsForApp && LedgerPrincipal.HasScope(user, scope);
    }
}
