using System.Globalization;
using System.Text;
using System.Text.Json;
using Ledger.Domain;
using Ledger.Storage;

namespace Ledger.Engine;

/// <summary>
/// What verifying an account's chain found: the account as read, how many entries were checked, where
/// the check got to, and the first break (null when none). <see cref="NextCursor"/> is set when the bound
/// on one verification stopped it before the end: the entries so far are intact, and the cursor resumes.
/// </summary>
public sealed record ChainVerification(AccountState Account, long EntriesChecked, long FromSequence, ChainCheckpoint Reached, ChainBreak? Break, string? NextCursor)
{
    public bool Complete => Break is null && NextCursor is null;
}

public sealed partial class LedgerEngine
{
    /// <summary>The most entries one verification reads; a longer account is verified in several calls, each resuming from a cursor.</summary>
    public const int MaxEntriesPerVerification = 20_000;

    private const int VerificationPageSize = StoreLimits.MaxPageSize;

    /// <summary>
    /// Recomputes the account's hash chain and balance from its entries, oldest first, up to the newest
    /// entry the account records when read, and names the first entry that breaks either. Entries are read
    /// a page at a time and only a checkpoint is kept, so memory stays bounded however long the account;
    /// after <paramref name="maxEntries"/> (at most <see cref="MaxEntriesPerVerification"/>) it stops with a cursor.
    /// </summary>
    public async Task<Result<ChainVerification>> VerifyAccountAsync(AppId app, AccountId accountId, string? cursor, CancellationToken cancellationToken, int maxEntries = MaxEntriesPerVerification)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxEntries, MaxEntriesPerVerification);
        var from = ChainCheckpoint.Start;
        if (cursor is not null)
        {
            if (DecodeVerificationCursor(cursor) is not { } resumed)
            {
                return LedgerError.Invalid("cursor", "not a cursor this ledger issued.");
            }

            from = resumed;
        }

        var read = await GetAccountAsync(app, accountId, cancellationToken).ConfigureAwait(false);
        if (!read.TryGetValue(out var account, out var error))
        {
            return error;
        }

        var verifier = new ChainVerifier(from, account.ChainStartSequence);
        var partition = DocumentTypes.AccountPartition(app, accountId);
        var checkedEntries = 0L;
        while (verifier.Checkpoint.NextSequence <= account.LastSequence)
        {
            if (checkedEntries >= maxEntries)
            {
                return new ChainVerification(account, checkedEntries, from.NextSequence, verifier.Checkpoint, null, EncodeVerificationCursor(verifier.Checkpoint));
            }

            var page = await _store.ReadRangeAsync(
                new RangeQuery(partition, DocumentTypes.Entry, verifier.Checkpoint.NextSequence, account.LastSequence, descending: false, (int)Math.Min(VerificationPageSize, maxEntries - checkedEntries)),
                cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var stored in page)
            {
                checkedEntries++;
                if (Check(verifier, stored) is { } broken)
                {
                    return new ChainVerification(account, checkedEntries, from.NextSequence, verifier.Checkpoint, broken, null);
                }
            }
        }

        return new ChainVerification(account, checkedEntries, from.NextSequence, verifier.Checkpoint, verifier.Finish(account), null);
    }

    /// <summary>Feeds one stored entry to the verifier; a document that is not a readable entry breaks the chain where it stands.</summary>
    private static ChainBreak? Check(ChainVerifier verifier, StoredDocument stored)
    {
        var sequence = stored.SortKey ?? verifier.Checkpoint.NextSequence;
        var transactionId = stored.Id.StartsWith("tx:", StringComparison.Ordinal) ? stored.Id[3..] : stored.Id;
        Result<LedgerEntry> entry;
        try
        {
            entry = DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.EntryDocument).ToEntry();
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or NotSupportedException)
        {
            return ChainVerifier.Unreadable(sequence, transactionId, exception.Message);
        }

        return entry.TryGetValue(out var valid, out var error)
            ? verifier.Accept(valid)
            : ChainVerifier.Unreadable(sequence, transactionId, error.Message);
    }

    private static string EncodeVerificationCursor(ChainCheckpoint checkpoint)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"c1:{checkpoint.NextSequence}:{checkpoint.PreviousHash ?? "-"}:{checkpoint.Balance}");
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static ChainCheckpoint? DecodeVerificationCursor(string cursor)
    {
        if (cursor.Length > 200)
        {
            return null;
        }

        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        Span<byte> bytes = stackalloc byte[150];
        if (!Convert.TryFromBase64String(base64, bytes, out var written))
        {
            return null;
        }

        var parts = Encoding.UTF8.GetString(bytes[..written]).Split(':');
        if (parts.Length != 4 || parts[0] != "c1"
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var next) || next < 2
            || !long.TryParse(parts[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var balance)
            || (parts[2] != "-" && !IsChainHash(parts[2])))
        {
            return null;
        }

        return new ChainCheckpoint(next, parts[2] == "-" ? null : parts[2], balance);
    }

    private static bool IsChainHash(string text) => text.Length == EntryChain.Genesis.Length && text.All(char.IsAsciiHexDigitLower);
}
