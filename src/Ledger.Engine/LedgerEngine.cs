using Ledger.Domain;
using Ledger.Engine.Partitions;
using Ledger.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Engine;

public sealed record OpenAccountCommand(OwnerId Owner, AccountId? AccountId, long Floor, long? LowBalanceThreshold);

/// <summary>A page of entries, newest first; <see cref="NextCursor"/> continues after the last one.</summary>
public sealed record EntryPage(IReadOnlyList<EntryDocument> Entries, string? NextCursor);

public sealed record AccountPage(IReadOnlyList<AccountState> Accounts, string? Continuation);

/// <summary>
/// The ledger engine: validates commands with the domain, guards idempotency, and runs every account
/// change through the partition pipeline. One instance per process; thread-safe.
/// </summary>
public sealed partial class LedgerEngine
{
    /// <summary>Largest page of history or accounts one call returns.</summary>
    public const int MaxPageSize = 200;

    public const int DefaultPageSize = 50;

    private readonly ILedgerStore _store;
    private readonly TimeProvider _time;
    private readonly PartitionPipeline _pipeline;
    private readonly IdempotencyGuard _idempotency;
    private readonly ILogger _logger;

    private readonly SagaBounds _sagaBounds;

    public LedgerEngine(ILedgerStore store, AppCatalogs catalogs, TimeProvider time, PartitionPipelineOptions? pipelineOptions = null, ILoggerFactory? loggerFactory = null, SagaBounds? sagaBounds = null)
    {
        _sagaBounds = sagaBounds ?? SagaBounds.Default;
        if (_sagaBounds.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(sagaBounds));
        }

        _store = store;
        Catalogs = catalogs;
        _time = time;
        _pipeline = new PartitionPipeline(store, time, pipelineOptions, loggerFactory?.CreateLogger<PartitionPipeline>());
        _idempotency = new IdempotencyGuard(store, time);
        _logger = loggerFactory?.CreateLogger<LedgerEngine>() ?? (ILogger)NullLogger.Instance;
    }

    public AppCatalogs Catalogs { get; }

    public ILedgerStore Store => _store;

    public TimeProvider Time => _time;

    /// <summary>The bounds that make every transfer saga end: its credit deadline, retries and back-off.</summary>
    public SagaBounds SagaBounds => _sagaBounds;

    public async Task<Result<AccountState>> OpenAccountAsync(AppId app, IdempotencyKey key, OpenAccountCommand command, CancellationToken cancellationToken)
    {
        var accountId = command.AccountId ?? AccountId.Derive(app, key);
        var probe = AccountState.Open(accountId, app, command.Owner, command.Floor, command.LowBalanceThreshold, _time.GetUtcNow());
        if (!probe.IsSuccess)
        {
            return probe;
        }

        var fingerprint = Fingerprint.Of("account.open", accountId, command.Owner, command.Floor, command.LowBalanceThreshold);
        var partition = DocumentTypes.AccountPartition(app, accountId);
        if (_pipeline.CommitsAcrossPartitions)
        {
            // The claim rides with the opening (or with the refusal); an account this key already opened
            // means the claim exists, so that case falls back to claiming first and is answered there.
            var claimed = OpenAccountCommand(app, key, accountId, command, _idempotency.ClaimBatch(app, key, fingerprint));
            var opened = await _pipeline.SubmitAsync(partition, claimed).ConfigureAwait(false);
            if (!claimed.FellBack)
            {
                return opened;
            }
        }

        var claim = await _idempotency.ClaimAsync(app, key, fingerprint, cancellationToken).ConfigureAwait(false);
        return claim.IsSuccess
            ? await _pipeline.SubmitAsync(partition, OpenAccountCommand(app, key, accountId, command, claim: null)).ConfigureAwait(false)
            : claim.Error!;
    }

    private static PartitionCommand<AccountState> OpenAccountCommand(AppId app, IdempotencyKey key, AccountId accountId, OpenAccountCommand command, PartitionBatch? claim)
        => new((account, now) =>
        {
            if (account is not null)
            {
                // The key is bound to this very request (claimed, or claiming in this commit), so an account
                // this key opened was opened by this request, or by a concurrent or retried copy of it: its
                // answer is the account. An account another key opened refuses this request, and its repeats.
                return account.OpenedByKey == key.Value
                    ? CommandDecision<AccountState>.Apply(null, [], AsOpened(account))
                    : CommandDecision<AccountState>.Refuse(new LedgerError(ErrorCodes.AccountAlreadyExists, $"Account '{accountId}' already exists.", "account_id"));
            }

            var opened = AccountState.Open(accountId, app, command.Owner, command.Floor, command.LowBalanceThreshold, now).Value with { OpenedByKey = key.Value };
            return CommandDecision<AccountState>.Apply(opened, [], opened);
        })
        {
            Claim = claim,
        };

    public async Task<Result<AccountState>> GetAccountAsync(AppId app, AccountId accountId, CancellationToken cancellationToken)
    {
        var stored = await _store.ReadAsync(DocumentTypes.AccountPartition(app, accountId), DocumentTypes.AccountDocumentId, cancellationToken).ConfigureAwait(false);
        return stored is null
            ? AccountNotFound(accountId)
            : DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.AccountDocument).ToState();
    }

    public async Task<Result<AccountPage>> ListAccountsByOwnerAsync(AppId app, OwnerId owner, string? continuation, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return LedgerError.Invalid("limit", $"must be 1 to {MaxPageSize}.");
        }

        DocumentPage page;
        try
        {
            page = await _store.QueryIndexAsync(
                new IndexQuery(DocumentTypes.Account, DocumentTypes.OwnerIndexKey(app, owner), prefix: false, continuation, limit),
                cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException) when (continuation is not null)
        {
            // Continuations are the store's own opaque tokens; the store refuses one it did not issue.
            return LedgerError.Invalid("continuation", "not a continuation this ledger issued.");
        }
        var accounts = page.Documents.Select(document => DocumentCodec.Decode(document, LedgerDocumentJsonContext.Documents.AccountDocument).ToState()).ToArray();
        return new AccountPage(accounts, page.Continuation);
    }

    /// <summary>The balance of an owner's default account in the shared-ledger contract: 0 for an owner never seen.</summary>
    public async Task<Result<AccountState?>> FindOwnerAccountAsync(AppId app, OwnerId owner, CancellationToken cancellationToken)
    {
        var stored = await _store.ReadAsync(DocumentTypes.AccountPartition(app, AccountId.DefaultFor(owner)), DocumentTypes.AccountDocumentId, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return Result<AccountState?>.Success(null);
        }

        var account = DocumentCodec.Decode(stored, LedgerDocumentJsonContext.Documents.AccountDocument).ToState();
        return account.Owner == owner
            ? Result<AccountState?>.Success(account)
            : new LedgerError(ErrorCodes.AccountOwnerMismatch, $"Account '{account.Id}' belongs to another owner.", "owner_id");
    }

    public Task<Result<AccountState>> FreezeAsync(AppId app, AccountId accountId) => ChangeStatusAsync(app, accountId, account => account.Status switch
    {
        AccountStatus.Open => account with { Status = AccountStatus.Frozen },
        AccountStatus.Frozen => account,
        _ => AccountClosed(account),
    });

    public Task<Result<AccountState>> UnfreezeAsync(AppId app, AccountId accountId) => ChangeStatusAsync(app, accountId, account => account.Status switch
    {
        AccountStatus.Frozen => account with { Status = AccountStatus.Open },
        AccountStatus.Open => account,
        _ => AccountClosed(account),
    });

    /// <summary>Closes an account for good; only at zero balance with nothing pending, so no credits are stranded.</summary>
    public Task<Result<AccountState>> CloseAsync(AppId app, AccountId accountId) => ChangeStatusAsync(app, accountId, account =>
    {
        if (account.Status == AccountStatus.Closed)
        {
            return account;
        }

        return account.Balance == 0 && account.PendingDebits == 0
            ? account with { Status = AccountStatus.Closed }
            : new LedgerError(ErrorCodes.AccountNotEmpty, $"Account '{account.Id}' holds {account.Balance} with {account.PendingDebits} pending; only an empty account can be closed.");
    });

    private Task<Result<AccountState>> ChangeStatusAsync(AppId app, AccountId accountId, Func<AccountState, Result<AccountState>> change)
        => _pipeline.SubmitAsync(DocumentTypes.AccountPartition(app, accountId), new PartitionCommand<AccountState>((account, now) =>
        {
            if (account is null)
            {
                return CommandDecision<AccountState>.Refuse(AccountNotFound(accountId));
            }

            var changed = change(account);
            if (!changed.TryGetValue(out var updated, out var error))
            {
                return CommandDecision<AccountState>.Refuse(error);
            }

            return updated == account
                ? CommandDecision<AccountState>.Apply(null, [], account)
                : CommandDecision<AccountState>.Apply(updated with { UpdatedAt = now }, [], updated with { UpdatedAt = now });
        }));

    /// <summary>The account as its opening left it: what the original reply to the opening request said.</summary>
    private static AccountState AsOpened(AccountState account) => account with
    {
        Status = AccountStatus.Open,
        Balance = 0,
        PendingDebits = 0,
        IssuanceContraBalance = 0,
        LastSequence = 0,
        LastEntryHash = null,
        LastPostedAt = null,
        UpdatedAt = account.CreatedAt,
    };

    internal static LedgerError AccountNotFound(AccountId accountId) => new(ErrorCodes.AccountNotFound, $"Account '{accountId}' does not exist.", "account_id");

    private static LedgerError AccountClosed(AccountState account) => new(ErrorCodes.AccountClosed, $"Account '{account.Id}' is closed.");
}
