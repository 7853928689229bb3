using Ledger.Storage;
using Microsoft.Extensions.Logging;

namespace Ledger.Projections;

/// <summary>
/// Finding and setting aside a poison change. A batch whose handling fails
/// <see cref="ChangeFeedProcessorOptions.NarrowAfterFailures"/> times in a row, not as an outage, is handed
/// over again one change at a time; a change that then fails alone
/// <see cref="ChangeFeedProcessorOptions.MaxAttemptsPerChange"/> times is written as a dead letter and
/// skipped, and the rest of the batch goes on. Outages (<see cref="ChangeFailures.IsTransient"/>) never count:
/// they are retried, with backoff, for as long as they last. The counts live in memory and start over on
/// another instance, which only lengthens the bound; whether a change was set aside is read from the store,
/// so every instance skips it.
/// </summary>
public sealed partial class ChangeFeedProcessor
{
    // Steps never overlap, so these need no lock. They describe the batch at _continuation and are
    // forgotten when the checkpoint moves.
    private readonly Dictionary<string, int> _attemptsByChange = new(StringComparer.Ordinal);
    private readonly HashSet<string> _doneAlone = new(StringComparer.Ordinal);
    private int _batchFailures;

    private async Task HandleAsync(IReadOnlyList<StoredDocument> changes, CancellationToken cancellationToken)
    {
        if (_batchFailures >= _options.NarrowAfterFailures)
        {
            await HandleChangeByChangeAsync(changes, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await _consumer.HandleAsync(changes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!ChangeFailures.IsTransient(exception))
        {
            _batchFailures++;
            throw;
        }
    }

    /// <summary>
    /// Hands the changes over one by one, in feed order, skipping those already handled alone or set aside;
    /// throws the first failure that does not set its change aside, so the step backs off and retries.
    /// </summary>
    private async Task HandleChangeByChangeAsync(IReadOnlyList<StoredDocument> changes, CancellationToken cancellationToken)
    {
        foreach (var change in changes)
        {
            if (_doneAlone.Contains(change.ChangeId) || await _deadLetters.ExistsAsync(Name, change, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            try
            {
                await _consumer.HandleAsync([change], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (!ChangeFailures.IsTransient(exception))
            {
                var attempts = _attemptsByChange.GetValueOrDefault(change.ChangeId) + 1;
                _attemptsByChange[change.ChangeId] = attempts;
                if (attempts < _options.MaxAttemptsPerChange)
                {
                    throw;
                }

                await SetAsideAsync(change, attempts, exception, cancellationToken).ConfigureAwait(false);
            }

            _doneAlone.Add(change.ChangeId);
        }
    }

    private async Task SetAsideAsync(StoredDocument change, int attempts, Exception failure, CancellationToken cancellationToken)
    {
        var letter = new DeadLetterDocument
        {
            Consumer = Name,
            AppId = ChangeOwnership.AppOf(change)?.Value,
            ChangeId = change.ChangeId,
            Partition = change.Partition,
            DocumentId = change.Id,
            DocumentType = change.Type,
            CommittedAt = change.CommittedAt,
            Attempts = attempts,
            Error = ErrorText(failure),
            DeadLetteredAt = _time.GetUtcNow(),
        };
        await _deadLetters.WriteAsync(letter, cancellationToken).ConfigureAwait(false);
        RecordDeadLetter();
        _logger.LogError(failure, "Consumer {Consumer} set change {ChangeId} aside as a dead letter after {Attempts} attempts", Name, change.ChangeId, attempts);
    }

    /// <summary>The checkpoint moved (or was found elsewhere): what was known about the old batch no longer applies.</summary>
    private void ForgetBatch()
    {
        _batchFailures = 0;
        _attemptsByChange.Clear();
        _doneAlone.Clear();
    }

    private static string ErrorText(Exception exception)
    {
        var error = exception.GetType().Name + ": " + exception.Message;
        return error.Length <= MaxErrorLength ? error : error[..MaxErrorLength];
    }
}
