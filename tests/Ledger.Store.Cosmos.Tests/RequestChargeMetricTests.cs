using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Ledger.Storage;
using Microsoft.Azure.Cosmos;
using Moq;
using Xunit;

namespace Ledger.Store.Cosmos.Tests;

/// <summary>The request charge of every call reaches the <c>ledger.cosmos.request_charge</c> histogram.</summary>
public sealed class RequestChargeMetricTests
{
    [Fact]
    public async Task Every_call_records_its_request_charge_tagged_by_operation_and_status_including_throttled_attempts()
    {
        var measurements = new List<(double Charge, string Operation, int Status)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, meterListener) =>
        {
            if (instrument.Meter.Name == CosmosLedgerStore.MeterName && instrument.Name == CosmosLedgerStore.RequestChargeHistogramName)
            {
                meterListener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, charge, tags, _) =>
        {
            var operation = string.Empty;
            var status = 0;
            foreach (var tag in tags)
            {
                if (tag.Key == "operation")
                {
                    operation = (string)tag.Value!;
                }
                else if (tag.Key == "status_code")
                {
                    status = (int)tag.Value!;
                }
            }

            lock (measurements)
            {
                measurements.Add((charge, operation, status));
            }
        });
        listener.Start();

        var responses = new Queue<TransactionalBatchResponse>([
            CosmosMocks.BatchResponse(CosmosStatus.TooManyRequests, [CosmosMocks.OperationResult(CosmosStatus.TooManyRequests, retryAfter: TimeSpan.FromMilliseconds(1))], requestCharge: 0.37),
            CosmosMocks.Committed(1, requestCharge: 11.43),
        ]);
        var container = CosmosMocks.LedgerContainer([], [], responses.Dequeue);
        container.Setup(c => c.ReadItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => CosmosMocks.Response(HttpStatusCode.NotFound, requestCharge: 1.17));
        await using var store = CosmosMocks.Store(container.Object);

        await store.CommitAsync(new PartitionBatch("acct", DocumentWrite.Create("a", "t", Encoding.UTF8.GetBytes("{}"))), CancellationToken.None);
        await store.ReadAsync("acct", "a", CancellationToken.None);

        lock (measurements)
        {
            Assert.Contains((0.37, "commit", 429), measurements);
            Assert.Contains((11.43, "commit", 200), measurements);
            Assert.Contains((1.17, "read", 404), measurements);
        }
    }
}
