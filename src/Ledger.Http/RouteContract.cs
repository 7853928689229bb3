using Ledger.Domain;

namespace Ledger.Http;

/// <summary>Where a documented parameter travels.</summary>
public enum ParameterPlace
{
    Path,
    Query,
    Header,
}

/// <summary>A path, query or header parameter of a route: its name, meaning and the rule its value must follow.</summary>
public sealed record ContractParameter(string Name, ParameterPlace In, string Description, string Example, bool Required = false)
{
    /// <summary>A regular expression the value matches; null when the description states the rule.</summary>
    public string? Pattern { get; init; }

    /// <summary>"int32" for whole numbers, "date-time" for instants; null for plain strings.</summary>
    public string? Format { get; init; }

    public long? Minimum { get; init; }

    public long? Maximum { get; init; }
}

/// <summary>One successful answer of a route: status, body type (null = no JSON body) and whether it carries a Location.</summary>
public sealed record RouteSuccess(int Status, Type Body, string Description, bool Location = false, string ContentType = "application/json");

/// <summary>
/// What a route promises its clients: the request it takes, the answers it gives and the error codes it
/// can refuse with. The OpenAPI document is generated from these, and tests hold them against the
/// handlers, so the document and the API cannot drift.
/// </summary>
public sealed record RouteContract
{
    public required string Tag { get; init; }

    public required string Summary { get; init; }

    public string? Description { get; init; }

    /// <summary>The documented shape of the JSON body; null when the route reads no body.</summary>
    public Type? Body { get; init; }

    /// <summary>False where an empty body is accepted (status changes, void).</summary>
    public bool BodyRequired { get; init; } = true;

    /// <summary>A request body that works, as JSON text.</summary>
    public string? BodyExample { get; init; }

    public IReadOnlyList<ContractParameter> Parameters { get; init; } = [];

    public required IReadOnlyList<RouteSuccess> Successes { get; init; }

    /// <summary>Whether the route adds an effect and so needs an <c>Idempotency-Key</c> header or body <c>nonce</c>.</summary>
    public bool Idempotent { get; init; }

    /// <summary>Whether the route reads the store (and so can answer 503 while the store is unavailable).</summary>
    public bool ReadsStore { get; init; } = true;

    /// <summary>Whether the bound on work in flight can shed the route (503 overloaded); health probes are never shed.</summary>
    public bool Sheddable { get; init; } = true;

    /// <summary>The refusals particular to this route; <see cref="ProblemCodes"/> adds the ones every route of its kind shares.</summary>
    public IReadOnlyList<string> Refusals { get; init; } = [];

    /// <summary>Codes of a route that needs a credential: authentication, its scope, and the caller's rate limits.</summary>
    public static IReadOnlyList<string> AuthenticationCodes { get; } =
        [ErrorCodes.MissingApiKey, ErrorCodes.InvalidApiKey, ErrorCodes.InvalidToken, ErrorCodes.InsufficientScope, ErrorCodes.RateLimited];

    /// <summary>Codes of any route that reads a JSON body (<see cref="RequestBody"/>).</summary>
    public static IReadOnlyList<string> BodyCodes { get; } =
        [ErrorCodes.MalformedJson, ErrorCodes.MalformedRequest, ErrorCodes.UnknownField, ErrorCodes.InvalidField, ErrorCodes.BodyTooLarge, ErrorCodes.UnsupportedMediaType];

    /// <summary>Codes of any route that takes an idempotency key.</summary>
    public static IReadOnlyList<string> IdempotencyCodes { get; } =
        [ErrorCodes.MissingIdempotencyKey, ErrorCodes.InvalidField, ErrorCodes.IdempotencyKeyReused];

    /// <summary>Every code the route can answer with: its own refusals and those of authentication, bodies, keys, the store and shedding.</summary>
    public IReadOnlyList<string> ProblemCodes(RouteDefinition route)
    {
        IEnumerable<string> codes = Refusals;
        if (!route.Anonymous)
        {
            codes = codes.Concat(AuthenticationCodes);
        }

        if (Body is not null)
        {
            codes = codes.Concat(BodyCodes);
        }

        if (Idempotent)
        {
            codes = codes.Concat(IdempotencyCodes);
        }

        if (ReadsStore)
        {
            codes = codes.Append(ErrorCodes.StoreUnavailable);
        }

        if (Sheddable)
        {
            codes = codes.Append(ErrorCodes.Overloaded);
        }

        // Any request can carry a body the server cannot read (a bad chunk, a body shorter than announced).
        return codes.Append(ErrorCodes.MalformedRequest).Append(ErrorCodes.InternalError).Distinct(StringComparer.Ordinal).ToArray();
    }
}
