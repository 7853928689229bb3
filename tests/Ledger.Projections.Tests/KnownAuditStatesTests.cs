using Ledger.Domain;
using Ledger.Projections.Audit;

namespace Ledger.Projections.Tests;

/// <summary>The audit's memory of what it saved: handed out once, and bounded.</summary>
public sealed class KnownAuditStatesTests
{
    private static readonly AppId App1 = AppId.From("app1");
    private static readonly AppId App2 = AppId.From("app2");

    [Fact]
    public void An_app_s_states_are_handed_out_once_so_a_failed_step_cannot_leave_them_behind()
    {
        var known = new KnownAuditStates();
        known.Keep(App1, StatesOf(App1, accounts: 3));

        Assert.Equal(3, known.Take(App1)!.Accounts.Count);
        Assert.Null(known.Take(App1));
        Assert.Equal(0, known.Held);
    }

    [Fact]
    public void Past_its_bound_everything_held_is_dropped_and_a_state_too_large_for_it_is_not_kept()
    {
        var known = new KnownAuditStates(maxStates: 5);
        known.Keep(App1, StatesOf(App1, accounts: 3));
        known.Keep(App2, StatesOf(App2, accounts: 3));

        Assert.Null(known.Take(App1));
        Assert.Equal(3, known.Held);
        known.Keep(App1, StatesOf(App1, accounts: 6));
        Assert.Equal(0, known.Held);
        Assert.Null(known.Take(App2));
    }

    [Fact]
    public void Keeping_an_app_again_replaces_what_was_held_for_it()
    {
        var known = new KnownAuditStates();
        known.Keep(App1, StatesOf(App1, accounts: 3));
        known.Keep(App1, StatesOf(App1, accounts: 2));

        Assert.Equal(2, known.Held);
        Assert.Equal(2, known.Take(App1)!.Count);
    }

    private static KnownAuditState StatesOf(AppId app, int accounts)
    {
        var state = new KnownAuditState(new AuditTotals { AppId = app.Value }, "etag-1");
        for (var i = 0; i < accounts; i++)
        {
            state.Accounts["a" + i] = new AuditAccountState { AccountId = "a" + i };
        }

        return state;
    }
}
