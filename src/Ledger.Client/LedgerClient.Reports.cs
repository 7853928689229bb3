namespace Ledger.Client;

public sealed partial class LedgerClient
{
    /// <summary><c>GET /health</c> (anonymous).</summary>
    public Task<HealthReport> GetHealthAsync(CancellationToken cancellationToken = default)
        => GetAsync("health", ClientJson.Default.HealthReport, cancellationToken);

    /// <summary><c>GET /ping</c>: a cheap authenticated round trip.</summary>
    public Task<PingReply> PingAsync(CancellationToken cancellationToken = default)
        => GetAsync("ping", ClientJson.Default.PingReply, cancellationToken);

    /// <summary><c>GET /accounts/{account_id}/summary</c>: credits, debits and breakdowns over [from, to).</summary>
    public Task<AccountSummary> GetAccountSummaryAsync(string accountId, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default)
        => GetAsync(WithQuery("accounts/" + Segment(accountId) + "/summary", ("from", Text(from)), ("to", Text(to))), ClientJson.Default.AccountSummary, cancellationToken);

    /// <summary><c>POST /exports</c>: the export, pending; poll it with <see cref="WaitForExportAsync"/>.</summary>
    public Task<Export> RequestExportAsync(ExportRequest request, CancellationToken cancellationToken = default)
        => WriteAsync("exports", request, ClientJson.Default.ExportRequest, ClientJson.Default.Export, cancellationToken);

    /// <summary><c>GET /exports/{export_id}</c>.</summary>
    public Task<Export> GetExportAsync(string exportId, CancellationToken cancellationToken = default)
        => GetAsync("exports/" + Segment(exportId), ClientJson.Default.Export, cancellationToken);

    /// <summary>Polls an export until it is completed or failed.</summary>
    public async Task<Export> WaitForExportAsync(string exportId, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var export = await GetExportAsync(exportId, cancellationToken).ConfigureAwait(false);
            if (export.IsCompleted || export.IsFailed)
            {
                return export;
            }

            await Task.Delay(pollInterval ?? TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <c>GET /exports/{export_id}/file</c>: the completed export's CSV, streamed (dispose the download).
    /// <see cref="ExportDownload.Length"/> is the file's size when the ledger sends it, for progress.
    /// </summary>
    public async Task<ExportDownload> DownloadExportAsync(string exportId, CancellationToken cancellationToken = default)
    {
        var response = await SendForResponseAsync(HttpMethod.Get, "exports/" + Segment(exportId) + "/file", content: null, key: null, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new ExportDownload(response, stream);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary><c>GET /status/consumers</c>: the change-feed consumers, their lag and dead letters.</summary>
    public Task<ConsumerReport> GetConsumerStatusAsync(CancellationToken cancellationToken = default)
        => GetAsync("status/consumers", ClientJson.Default.ConsumerReport, cancellationToken);

    /// <summary>
    /// <c>GET /reports/trial-balance</c>: the continuous audit's totals per app (minted, burned, balances, pending,
    /// in flight) and the violations it found; every app for an operator, its own for an app's read key.
    /// </summary>
    public Task<TrialBalance> GetTrialBalanceAsync(CancellationToken cancellationToken = default)
        => GetAsync("reports/trial-balance", ClientJson.Default.TrialBalance, cancellationToken);
}

/// <summary>An export's CSV file as it streams in; disposing it ends the download.</summary>
public sealed class ExportDownload : IAsyncDisposable, IDisposable
{
    private readonly HttpResponseMessage _response;

    internal ExportDownload(HttpResponseMessage response, Stream content)
    {
        _response = response;
        Content = content;
    }

    /// <summary>The RFC 4180 CSV bytes (UTF-8).</summary>
    public Stream Content { get; }

    /// <summary>The file's size in bytes when the ledger sends Content-Length; null when it streams without one.</summary>
    public long? Length => _response.Content.Headers.ContentLength;

    /// <summary>Copies the whole file to <paramref name="destination"/>, reporting the bytes copied so far.</summary>
    public async Task CopyToAsync(Stream destination, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[81920];
        long copied = 0;
        int read;
        while ((read = await Content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            copied += read;
            progress?.Report(copied);
        }
    }

    public void Dispose()
    {
        Content.Dispose();
        _response.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync().ConfigureAwait(false);
        _response.Dispose();
    }
}
