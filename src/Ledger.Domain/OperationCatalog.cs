using System.Globalization;

namespace Ledger.Domain;

public enum Direction
{
    Credit,
    Debit,
}

/// <summary>
/// One named operation of a catalog: either a fixed signed amount (<c>CREDIT_SPEND</c> = −1) or a
/// caller-supplied amount in a fixed direction (<c>CONTENT_ACCESS</c> debits what the caller says).
/// </summary>
public sealed record OperationDefinition
{
    public const int MaxNameLength = 64;

    public string Name { get; }
    public Direction Direction { get; }

    /// <summary>The fixed magnitude, or null when the caller supplies the amount.</summary>
    public Amount? FixedAmount { get; }

    private OperationDefinition(string name, Direction direction, Amount? fixedAmount)
    {
        Name = name;
        Direction = direction;
        FixedAmount = fixedAmount;
    }

    public static Result<OperationDefinition> Fixed(string name, long signedAmount)
    {
        if (!IsValidName(name))
        {
            return InvalidName(name);
        }

        var magnitude = Amount.Create(Math.Abs(signedAmount), "operations." + name);
        if (!magnitude.IsSuccess)
        {
            return new LedgerError(ErrorCodes.InvalidField, $"Operation '{name}' needs a non-zero amount within ±{Amount.MaxPerTransaction}.", "operations." + name);
        }

        return new OperationDefinition(name, signedAmount > 0 ? Direction.Credit : Direction.Debit, magnitude.Value);
    }

    public static Result<OperationDefinition> Variable(string name, Direction direction)
        => IsValidName(name) ? new OperationDefinition(name, direction, null) : InvalidName(name);

    /// <summary>The definition's written form: <c>+10</c>, <c>-5</c>, <c>credit</c> or <c>debit</c>.</summary>
    public string Notation => FixedAmount is { } amount
        ? (Direction == Direction.Credit ? "+" : "-") + amount.MinorUnits.ToString(CultureInfo.InvariantCulture)
        : Direction == Direction.Credit ? "credit" : "debit";

    /// <summary>
    /// Resolves the amount a posting of this operation moves: the fixed amount (a supplied amount must
    /// equal it), or the supplied amount for variable operations.
    /// </summary>
    public Result<Amount> ResolveAmount(long? suppliedMinorUnits)
    {
        if (FixedAmount is { } fixedAmount)
        {
            if (suppliedMinorUnits is null)
            {
                return fixedAmount;
            }

            var supplied = Amount.Create(suppliedMinorUnits.Value);
            if (!supplied.IsSuccess)
            {
                return supplied;
            }

            return supplied.Value == fixedAmount
                ? fixedAmount
                : new LedgerError(ErrorCodes.AmountMismatch, $"Operation '{Name}' always moves {fixedAmount.MinorUnits}; the request says {suppliedMinorUnits}.", "amount");
        }

        return suppliedMinorUnits is null
            ? new LedgerError(ErrorCodes.MissingField, $"Operation '{Name}' needs an amount.", "amount")
            : Amount.Create(suppliedMinorUnits.Value);
    }

    internal static bool IsValidName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || !char.IsAsciiLetterUpper(name[0]))
        {
            return false;
        }

        foreach (var character in name)
        {
            if (!(char.IsAsciiLetterUpper(character) || char.IsAsciiDigit(character) || character == '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static LedgerError InvalidName(string name)
        => new(ErrorCodes.InvalidField, $"Operation name '{name}' must be 1 to {MaxNameLength} upper-case letters, digits or '_', starting with a letter.", "operations");
}

/// <summary>
/// An app's operation catalog. Every catalog holds the four shared operations with their shared
/// meaning; an app adds its own. A catalog that lacks or redefines a shared operation is refused when it
/// is built, with an error that names the operation.
/// </summary>
public sealed class OperationCatalog
{
    /// <summary>Keeps a catalog small enough to hold in memory and to list in one response.</summary>
    public const int MaxOperations = 256;

    /// <summary>The operations every app must support, exactly as defined here.</summary>
    public static IReadOnlyList<OperationDefinition> SharedOperations { get; } =
    [
        OperationDefinition.Fixed("DAILY_REWARD", +1).Value,
        OperationDefinition.Fixed("SIGNUP_CREDIT", +3).Value,
        OperationDefinition.Fixed("CREDIT_SPEND", -1).Value,
        OperationDefinition.Fixed("CREDIT_ADD", +10).Value,
    ];

    private readonly Dictionary<string, OperationDefinition> _operations;

    public AppId App { get; }

    public IReadOnlyCollection<OperationDefinition> Operations => _operations.Values;

    private OperationCatalog(AppId app, Dictionary<string, OperationDefinition> operations)
    {
        App = app;
        _operations = operations;
    }

    public Result<OperationDefinition> Find(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return LedgerError.Missing("operation");
        }

        return _operations.TryGetValue(name, out var definition)
            ? definition
            : new LedgerError(ErrorCodes.UnknownOperation, $"App '{App}' has no operation '{name}'.", "operation");
    }

    /// <summary>Builds a catalog from definitions, refusing one that lacks or redefines a shared operation.</summary>
    public static Result<OperationCatalog> Create(AppId app, IEnumerable<OperationDefinition> definitions)
    {
        var operations = new Dictionary<string, OperationDefinition>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            if (!operations.TryAdd(definition.Name, definition))
            {
                return new LedgerError(ErrorCodes.InvalidField, $"Catalog of app '{app}' defines operation '{definition.Name}' twice.", "operations");
            }

            if (operations.Count > MaxOperations)
            {
                return new LedgerError(ErrorCodes.InvalidField, $"Catalog of app '{app}' has more than {MaxOperations} operations.", "operations");
            }
        }

        foreach (var shared in SharedOperations)
        {
            if (!operations.TryGetValue(shared.Name, out var defined))
            {
                return new LedgerError(ErrorCodes.InvalidField, $"Catalog of app '{app}' lacks the shared operation '{shared.Name}' ({shared.Notation}).", "operations");
            }

            if (defined != shared)
            {
                return new LedgerError(ErrorCodes.InvalidField, $"Catalog of app '{app}' redefines the shared operation '{shared.Name}' as {defined.Notation}; it must be {shared.Notation}.", "operations");
            }
        }

        return new OperationCatalog(app, operations);
    }

    /// <summary>
    /// Builds a catalog from its configuration form: operation name → <c>+N</c> / <c>-N</c> (fixed) or
    /// <c>credit</c> / <c>debit</c> (caller-supplied amount).
    /// </summary>
    public static Result<OperationCatalog> Parse(AppId app, IEnumerable<KeyValuePair<string, string?>> configuration)
    {
        var definitions = new List<OperationDefinition>();
        foreach (var (name, notation) in configuration)
        {
            var definition = ParseDefinition(app, name, notation?.Trim());
            if (!definition.IsSuccess)
            {
                return definition.Error!;
            }

            definitions.Add(definition.Value);
        }

        return Create(app, definitions);
    }

    /// <summary>A builder for apps that use the engine as a library: starts from the shared operations.</summary>
    public static Builder For(AppId app) => new(app);

    private static Result<OperationDefinition> ParseDefinition(AppId app, string name, string? notation)
    {
        if (string.Equals(notation, "credit", StringComparison.OrdinalIgnoreCase))
        {
            return OperationDefinition.Variable(name, Direction.Credit);
        }

        if (string.Equals(notation, "debit", StringComparison.OrdinalIgnoreCase))
        {
            return OperationDefinition.Variable(name, Direction.Debit);
        }

        if (long.TryParse(notation, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var signedAmount) && signedAmount != 0)
        {
            return OperationDefinition.Fixed(name, signedAmount);
        }

        return new LedgerError(ErrorCodes.InvalidField, $"Catalog of app '{app}': operation '{name}' is '{notation}'; write +N, -N, credit or debit.", "operations");
    }

    public sealed class Builder
    {
        private readonly AppId _app;
        private readonly List<OperationDefinition> _definitions = [.. SharedOperations];

        internal Builder(AppId app) => _app = app;

        public Builder Fixed(string name, long signedAmount)
        {
            _definitions.Add(OperationDefinition.Fixed(name, signedAmount).Value);
            return this;
        }

        public Builder Variable(string name, Direction direction)
        {
            _definitions.Add(OperationDefinition.Variable(name, direction).Value);
            return this;
        }

        /// <summary>Builds the catalog; throws when it is invalid, since a library caller's catalog is code.</summary>
        public OperationCatalog Build()
        {
            var catalog = Create(_app, _definitions);
            return catalog.IsSuccess ? catalog.Value : throw new ArgumentException(catalog.Error!.Message);
        }
    }
}
