using Ledger.Http.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Host.Tests.RateLimiting;

/// <summary>
/// The in-flight bound on its own, with a response whose start the test controls: a place is held from
/// admission until the answer starts, or until the request ends when it never does, and given back once.
/// </summary>
public sealed class InFlightBoundTests
{
    private const string MetricsPath = "/metrics";

    private static readonly RateLimitSettings OnePlace = new()
    {
        PerApp = RateLimitSettings.DefaultPerApp,
        PerKey = RateLimitSettings.DefaultPerKey,
        Apps = new Dictionary<string, TokenBucketSettings>(),
        MaxInFlight = 1,
        ShedPause = TimeSpan.Zero,
    };

    [Fact]
    public async Task A_request_whose_answer_has_started_gives_its_place_back_so_the_next_request_is_admitted_while_it_unwinds()
    {
        var unwinding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bound = HoldingOnePlace("/answered", unwinding.Task, answersFirst: true);

        var answered = bound.InvokeAsync(Request("/answered"));
        Assert.Equal(0, bound.InFlight);
        Assert.Equal(StatusCodes.Status200OK, await StatusOfAsync(bound, "/next"));

        unwinding.SetResult();
        await answered;
        Assert.Equal(0, bound.InFlight);
    }

    [Fact]
    public async Task A_request_that_has_not_answered_yet_holds_its_place_and_gives_it_back_once_when_it_ends()
    {
        var working = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bound = HoldingOnePlace("/working", working.Task, answersFirst: false);

        var held = bound.InvokeAsync(Request("/working"));
        Assert.Equal(1, bound.InFlight);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, await StatusOfAsync(bound, "/next"));

        working.SetResult();
        await held;
        Assert.Equal(0, bound.InFlight);
        Assert.Equal(StatusCodes.Status200OK, await StatusOfAsync(bound, "/next"));
        Assert.Equal(0, bound.InFlight);
    }

    [Fact]
    public async Task Health_and_the_paths_named_unbounded_are_answered_while_every_place_is_taken_and_take_none()
    {
        var working = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bound = HoldingOnePlace("/working", working.Task, answersFirst: false);
        var held = bound.InvokeAsync(Request("/working"));

        foreach (var path in new[] { "/health", "/health/ready", MetricsPath })
        {
            Assert.Equal(StatusCodes.Status200OK, await StatusOfAsync(bound, path));
            Assert.Equal(1, bound.InFlight);
        }

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, await StatusOfAsync(bound, "/metrics-like"));

        working.SetResult();
        await held;
        Assert.Equal(0, bound.InFlight);
    }

    /// <summary>A bound of one place whose request to <paramref name="heldPath"/> waits for <paramref name="release"/>, its answer started before the wait or after it.</summary>
    private static InFlightBound HoldingOnePlace(string heldPath, Task release, bool answersFirst)
        => new(
            async context =>
            {
                if (context.Request.Path != heldPath)
                {
                    return;
                }

                var response = (StartableResponse)context.Features.Get<IHttpResponseFeature>()!;
                if (answersFirst)
                {
                    await response.StartAsync();
                }

                await release;
                if (!answersFirst)
                {
                    await response.StartAsync();
                }
            },
            OnePlace,
            [MetricsPath]);

    /// <summary>Sends one request to <paramref name="path"/> through the bound and returns its status.</summary>
    private static async Task<int> StatusOfAsync(InFlightBound bound, string path)
    {
        var request = Request(path);
        await bound.InvokeAsync(request);
        return request.Response.StatusCode;
    }

    private static DefaultHttpContext Request(string path)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Features.Set<IHttpResponseFeature>(new StartableResponse());
        context.Request.Path = path;
        context.Response.Body = new MemoryStream();
        return context;
    }

    /// <summary>A response feature that runs its OnStarting callbacks when the test starts the answer, as a server does before the first byte.</summary>
    private sealed class StartableResponse : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _onStarting = [];
        private bool _started;

        public override bool HasStarted => _started;

        public override void OnStarting(Func<object, Task> callback, object state) => _onStarting.Add((callback, state));

        public async Task StartAsync()
        {
            for (var i = _onStarting.Count - 1; i >= 0; i--)
            {
                await _onStarting[i].Callback(_onStarting[i].State);
            }

            _started = true;
        }
    }
}
