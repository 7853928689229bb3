using System.Globalization;
using System.Text;
using Ledger.Domain;
using Ledger.Engine.Partitions;
using Ledger.Storage;

namespace Ledger.Engine;

/// <summary>A posting of a named catalog operation to an owner's default account (the shared-ledger contract).</summary>
public sealed record OperationPosting(OwnerId Owner, string? Operation, long? Amount);

/// <summary>A mint, burn or operation posted to an existing account.</summary>
public sealed record TransactionPosting(TransactionKind Kind, AccountId Account, long? Amount, string? Operation, TransactionDetails? Details);

public sealed partial class LedgerEngine
{
    /// <summary>
    /// Posts a catalog operation to the owner's default account, opening it on first use. This is the
    /// shared-ledger contract's <c>POST /ledger</c>.
    /// </summary>
    public Task<Result<EntryDocument>> PostOperationAsync(AppId app, IdempotencyKey key, OperationPosting posting, CancellationToken cancellationToken)
    {
        var accountId = AccountId.DefaultFor(posting.Owner);
        var transactionId = TransactionId.Derive(app, key, "posting");
        var instruction = PostingInstruction.ForOperation(transactionId, Catalogs.For(app), posting.Operation, posting.Amount, details: null);
        if (!instruction.TryGetValue(out var validInstruction, out var error))
        {
            return RefusedPosting(error);
        }

        // Not async itself: the posting's one task is PostAsync's, not a second one wrapped around it.
        var fingerprint = Fingerprint.Of("ledger.post", posting.Owner, validInstruction.Operation, validInstruction.Amount.MinorUnits);
        return PostAsync(app, key, fingerprint, accountId, validInstruction, openForOwner: posting.Owner, cancellationToken);
    }

    /// <summary>Posts a mint, burn or catalog operation to an existing account of the app.</summary>
    public Task<Result<EntryDocument>> PostTransactionAsync(AppId app, IdempotencyKey key, TransactionPosting posting, CancellationToken cancellationToken)
    {
        var transactionId = TransactionId.Derive(app, key, "posting");
        var instruction = BuildInstruction(app, transactionId, posting);
        if (!instruction.TryGetValue(out var validInstruction, out var error))
        {
            return RefusedPosting(error);
        }

        var fingerprint = Fingerprint.Of(
            "transactions.post",
            posting.Account,
            EntryDocument.KindName(validInstruction.Kind),
            validInstruction.Direction,
            validInstruction.Amount.MinorUnits,
            validInstruction.Operation,
            validInstruction.Details.Reason,
            validInstruction.Details.Memo,
            validInstruction.Details.Category);
        return PostAsync(app, key, fingerprint, posting.Account, validInstruction, openForOwner: null, cancellationToken);
    }

    private static Task<Result<EntryDocument>> RefusedPosting(LedgerError error)
    {
        LedgerMetrics.RecordRefusal(error.Code);
        return Task.FromResult(Result<EntryDocument>.Failure(error));
    }

    private Result<PostingInstruction> BuildInstruction(AppId app, TransactionId transactionId, TransactionPosting posting)
    {
        switch (posting.Kind)
        {
            case TransactionKind.Operation:
                return PostingInstruction.ForOperation(transactionId, Catalogs.For(app), posting.Operation, posting.Amount, posting.Details);
            case TransactionKind.Mint or TransactionKind.Burn:
                if (posting.Operation is not null)
                {
                    return LedgerError.Invalid("operation", "only kind 'operation' names an operation.");
                }

                if (posting.Amount is null)
                {
                    return LedgerError.Missing("amount");
                }

                var amount = Amount.Create(posting.Amount.Value);
                if (!amount.IsSuccess)
                {
                    return amount.Error!;
                }

                if (posting.Details is null)
                {
                    return LedgerError.Missing("reason");
                }

                return new PostingInstruction
                {
                    TransactionId = transactionId,
                    Kind = posting.Kind,
                    Direction = posting.Kind == TransactionKind.Mint ? Direction.Credit : Direction.Debit,
                    Amount = amount.Value,
                    Details = posting.Details,
                };
            default:
                return LedgerError.Invalid("kind", "use mint, burn or operation.");
        }
    }

    private async Task<Result<EntryDocument>> PostAsync(AppId app, IdempotencyKey key, string fingerprint, AccountId accountId, PostingInstruction instruction, OwnerId? openForOwner, CancellationToken cancellationToken)
    {
        var partition = DocumentTypes.AccountPartition(app, accountId);
        if (_pipeline.CommitsAcrossPartitions)
        {
            // One durable commit: the claim rides with the posting (or its recorded refusal). Only when
            // it falls back (the key was used before, or its entry exists) does the request claim first.
            var claimed = PostingCommand(app, key, partition, accountId, instruction, openForOwner, _idempotency.ClaimBatch(app, key, fingerprint));
            var posted = await _pipeline.SubmitAsync(partition, claimed).ConfigureAwait(false);
            if (!claimed.FellBack)
            {
                return CountPosting(posted, instruction);
            }
        }

        var claim = await _idempotency.ClaimAsync(app, key, fingerprint, cancellationToken).ConfigureAwait(false);
        if (!claim.TryGetValue(out var ticket, out var claimError))
        {
            return claimError;
        }

        if (ticket.IsRepeat && await ReadOutcomeAsync(partition, instruction.TransactionId, cancellationToken).ConfigureAwait(false) is { } original)
        {
            return original;
        }

        return CountPosting(await _pipeline.SubmitAsync(partition, PostingCommand(app, key, partition, accountId, instruction, openForOwner, claim: null)).ConfigureAwait(false), instruction);
    }

    private static Result<EntryDocument> CountPosting(Result<EntryDocument> posted, PostingInstruction instruction)
    {
        if (posted.IsSuccess)
        {
            LedgerMetrics.RecordPosting(EntryDocument.KindName(instruction.Kind));
        }
        else
        {
            LedgerMetrics.RecordRefusal(posted.Error!.Code);
        }

        return posted;
    }

    private PartitionCommand<EntryDocument> PostingCommand(AppId app, IdempotencyKey openingKey, string partition, AccountId accountId, PostingInstruction instruction, OwnerId? openForOwner, PartitionBatch? claim)
    {
        return new PartitionCommand<EntryDocument>(
            (account, now) =>
            {
                if (account is null)
                {
                    if (openForOwner is not { } owner)
                    {
                        return Refused(AccountNotFound(accountId), now);
                    }

                    account = AccountState.Open(accountId, app, owner, floor: 0, lowBalanceThreshold: null, now).Value with { OpenedByKey = openingKey.Value };
                }
                else if (openForOwner is { } owner && account.Owner != owner)
                {
                    return Refused(new LedgerError(ErrorCodes.AccountOwnerMismatch, $"Account '{accountId}' belongs to another owner.", "owner_id"), now);
                }

                var decision = PostingRules.Decide(account, instruction, now);
                if (!decision.TryGetValue(out var posted, out var refusal))
                {
                    return Refused(refusal, now);
                }

                var entry = EntryDocument.From(posted.Entry);
                return CommandDecision<EntryDocument>.Apply(posted.Account, [EntryWrite(entry)], entry);
            },
            async (outcome, _, cancellationToken) =>
            {
                // The entry's id is derived from the idempotency key: a conflict means a concurrent
                // repeat of this very request was decided first, and its outcome is our answer.
                if (outcome != BatchOutcome.Conflict)
                {
                    throw new InvalidOperationException($"Posting {instruction.TransactionId} failed with {outcome}.");
                }

                return await ReadOutcomeAsync(partition, instruction.TransactionId, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"Entry {instruction.TransactionId} conflicted but cannot be read.");
            })
        {
            Claim = claim,
        };

        CommandDecision<EntryDocument> Refused(LedgerError refusal, DateTimeOffset now)
            => CommandDecision<EntryDocument>.RefuseRecorded(refusal, DocumentTypes.EntryId(instruction.TransactionId), now);
    }

    internal static DocumentWrite EntryWrite(EntryDocument entry)
        => DocumentWrite.Create(
            DocumentTypes.EntryId(TransactionId.From(entry.TransactionId)),
            DocumentTypes.Entry,
            DocumentCodec.Encode(entry, LedgerDocumentJsonContext.Documents.EntryDocument),
            sortKey: entry.Sequence);

    /// <summary>The recorded outcome of a keyed posting: its entry, or the refusal recorded in its place; null when neither exists yet.</summary>
    internal ValueTask<Result<EntryDocument>?> ReadOutcomeAsync(string partition, TransactionId transactionId, CancellationToken cancellationToken)
        => ReadRecordedOutcomeAsync(partition, DocumentTypes.EntryId(transactionId), DocumentTypes.Entry, LedgerDocumentJsonContext.Documents.EntryDocument, cancellationToken);

    /// <summary>
    /// What a keyed request decided, read from the one id its effect and its recorded refusal share: the
    /// effect, the refusal, or null when neither was written yet.
    /// </summary>
    private async ValueTask<Result<T>?> ReadRecordedOutcomeAsync<T>(string partition, string documentId, string effectType, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> effect, CancellationToken cancellationToken)
    {
        var stored = await _store.ReadAsync(partition, documentId, cancellationToken).ConfigureAwait(false);
        return stored switch
        {
            null => null,
            { Type: DocumentTypes.Refusal } => DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.RefusalDocument).ToError(),
            _ when stored.Type == effectType => DocumentCodec.Decode(stored, effect),
            _ => throw new InvalidOperationException($"Document '{stored.Id}' has unexpected type '{stored.Type}'."),
        };
    }

    /// <summary>The account's entries, newest first, after <paramref name="cursor"/>; a cursor stays valid forever because entries never change.</summary>
    public async Task<Result<EntryPage>> GetEntriesAsync(AppId app, AccountId accountId, string? cursor, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return LedgerError.Invalid("limit", $"must be 1 to {MaxPageSize}.");
        }

        long? beforeSequence = null;
        if (cursor is not null)
        {
            if (DecodeCursor(cursor) is not { } decoded)
            {
                return LedgerError.Invalid("cursor", "not a cursor this ledger issued.");
            }

            beforeSequence = decoded;
        }

        var account = await GetAccountAsync(app, accountId, cancellationToken).ConfigureAwait(false);
        if (!account.IsSuccess)
        {
            return account.Error!;
        }

        var partition = DocumentTypes.AccountPartition(app, accountId);
        var documents = await _store.ReadRangeAsync(
            new RangeQuery(partition, DocumentTypes.Entry, minSortKey: null, maxSortKey: beforeSequence - 1, descending: true, limit),
            cancellationToken).ConfigureAwait(false);
        var entries = documents.Select(document => DocumentCodec.Decode(document, LedgerDocumentJsonContext.Documents.EntryDocument)).ToArray();
        var next = entries.Length == limit && entries[^1].Sequence > 1 ? EncodeCursor(entries[^1].Sequence) : null;
        return new EntryPage(entries, next);
    }

    private static string EncodeCursor(long beforeSequence)
        => Convert.ToBase64String(Encoding.UTF8.GetBytes("v1:" + beforeSequence.ToString(CultureInfo.InvariantCulture))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static long? DecodeCursor(string cursor)
    {
        if (cursor.Length > 64)
        {
            return null;
        }

        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        Span<byte> bytes = stackalloc byte[64];
        if (!Convert.TryFromBase64String(base64, bytes, out var written))
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(bytes[..written]);
        return text.StartsWith("v1:", StringComparison.Ordinal)
               && long.TryParse(text.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
               && sequence > 0
            ? sequence
            : null;
    }
}
