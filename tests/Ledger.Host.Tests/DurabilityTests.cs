using System.Net;
using System.Text;
using System.Text.Json;
using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests;

/// <summary>
/// Invariant 7 against the real host process: what was acknowledged with 2xx survives SIGKILL right after
/// the reply, and the restarted host, on the same data directory and port, serves it back.
/// </summary>
[Collection(nameof(RealProcessCollection))]
public sealed class DurabilityTests
{
    [Fact]
    public async Task An_acknowledged_posting_survives_SIGKILL_right_after_the_reply()
    {
        using var data = new TemporaryDirectory();
        var port = HostProcess.FreePort();
        var owner = Ids.Owner();
        var body = LedgerClient.Ledger(owner, "CREDIT_ADD").ToJsonString();
        string acknowledged;

        await using (var host = await HostProcess.StartAsync(data.Path, port))
        {
            using var client = host.CreateClient();
            using var response = await client.PostAsync("/ledger", Json(body));
            acknowledged = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode} {acknowledged}\n{host.Output}");

            // Immediately: no graceful shutdown, no chance to flush anything after the reply.
            await host.KillAsync();
        }

        await using (var restarted = await HostProcess.StartAsync(data.Path, port))
        {
            using var client = restarted.CreateClient();
            var balance = await GetJson(client, $"/ledger/{owner}");
            Assert.Equal(10, balance.GetProperty("balance").GetInt64());

            var entries = (await GetJson(client, $"/accounts/{owner}/entries")).GetProperty("entries");
            Assert.Equal(1, entries.GetArrayLength());
            Assert.Equal(JsonDocument.Parse(acknowledged).RootElement.GetProperty("transaction_id").GetString(), entries[0].GetProperty("transaction_id").GetString());

            // The idempotency claim survived too: the retry a client makes after the crash is a replay.
            using var replay = await client.PostAsync("/ledger", Json(body));
            Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
            Assert.Equal(acknowledged, await replay.Content.ReadAsStringAsync());
            Assert.Equal(10, (await GetJson(client, $"/ledger/{owner}")).GetProperty("balance").GetInt64());
        }
    }

    [Fact]
    public async Task Every_posting_acknowledged_before_a_SIGKILL_under_concurrent_load_survives_it()
    {
        const int Requests = 200;
        const int KillAfterAcknowledgements = 40;
        using var data = new TemporaryDirectory();
        var port = HostProcess.FreePort();
        var owners = Enumerable.Range(0, 4).Select(_ => Ids.Owner()).ToArray();
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<(string Owner, string TransactionId)>();

        await using (var host = await HostProcess.StartAsync(data.Path, port))
        {
            using var client = host.CreateClient();
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var requests = Enumerable.Range(0, Requests).Select(async index =>
            {
                var owner = owners[index % owners.Length];
                try
                {
                    using var response = await client.PostAsync("/ledger", Json(LedgerClient.Ledger(owner, "DAILY_REWARD").ToJsonString()));
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        var entry = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                        acknowledged.Add((owner, entry.GetProperty("transaction_id").GetString()!));
                        if (acknowledged.Count >= KillAfterAcknowledgements)
                        {
                            enough.TrySetResult();
                        }
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
                {
                    // In flight when the host died: not acknowledged, so either outcome is allowed.
                }
            }).ToArray();

            await Task.WhenAny(enough.Task, Task.WhenAll(requests));
            await host.KillAsync();
            await Task.WhenAll(requests);
        }

        Assert.True(acknowledged.Count >= KillAfterAcknowledgements, $"Only {acknowledged.Count} postings were acknowledged before the kill.");

        await using (var restarted = await HostProcess.StartAsync(data.Path, port))
        {
            using var client = restarted.CreateClient();
            foreach (var owner in owners)
            {
                var entries = (await GetJson(client, $"/accounts/{owner}/entries?limit=200")).GetProperty("entries").EnumerateArray().ToArray();
                var persisted = entries.Select(entry => entry.GetProperty("transaction_id").GetString()).ToHashSet();
                var mine = acknowledged.Where(ack => ack.Owner == owner).Select(ack => ack.TransactionId).ToArray();
                Assert.All(mine, transactionId => Assert.Contains(transactionId, persisted));

                // Whatever survived is consistent: the balance is the sum of the surviving entries.
                var balance = (await GetJson(client, $"/ledger/{owner}")).GetProperty("balance").GetInt64();
                Assert.Equal(entries.Sum(entry => entry.GetProperty("amount").GetInt64()), balance);
            }
        }
    }

    [Fact]
    public async Task The_real_host_serves_problems_for_bad_requests_through_Kestrel()
    {
        using var data = new TemporaryDirectory();
        await using var host = await HostProcess.StartAsync(data.Path, HostProcess.FreePort());
        using var client = host.CreateClient();

        await AssertProblem(client, HttpMethod.Get, "/no/such/route", null, 404, "route_not_found");
        await AssertProblem(client, HttpMethod.Delete, "/ledger", null, 405, "method_not_allowed");
        await AssertProblem(client, HttpMethod.Post, "/ledger", "{\"owner_id\":\"a\"," + new string(' ', 20_000) + "}", 413, "body_too_large");
        await AssertProblem(client, HttpMethod.Post, "/ledger", "{\"owner_id\":\"a\"," + new string(' ', 100_000) + "}", 413, "body_too_large");
        using var anonymous = host.CreateClient(apiKey: null);
        await AssertProblem(anonymous, HttpMethod.Get, "/ledger/a", null, 401, "missing_api_key");
    }

    private static async Task AssertProblem(HttpClient client, HttpMethod method, string path, string? body, int status, string code)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body) };
        using var response = await client.SendAsync(request);
        var problem = await ApiResponse.ReadAsync(response);
        ProblemAssert.Is(problem, status, code);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> GetJson(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

/// <summary>Real host processes run one at a time, so their start-up is not slowed by each other.</summary>
[CollectionDefinition(nameof(RealProcessCollection), DisableParallelization = true)]
public sealed class RealProcessCollection;
