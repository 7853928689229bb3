using System.Globalization;
using System.Text.Json.Nodes;
using Ledger.Domain;
using Ledger.Http;
using Ledger.Http.Authentication;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Ledger.Host.OpenApi;

/// <summary>The document's title, description and the two ways a caller authenticates.</summary>
internal sealed class LedgerDocumentTransformer : IOpenApiDocumentTransformer
{
    /// <summary>The tags of <see cref="RouteContract.Tag"/>, in reading order.</summary>
    private static readonly (string Name, string Description)[] Tags =
    [
        ("Shared ledger", "The shared-ledger contract: catalog operations by owner, and an owner's balance."),
        ("Accounts", "Open, list, freeze, unfreeze and close accounts."),
        ("Transactions", "Mints, burns and catalog operations on one account, and refunds of mints."),
        ("Transfers", "Two-phase transfers between accounts of an app, and their refunds."),
        ("Holds", "Reserve now, capture in full or in part, or void; a hold voids itself at expiry."),
        ("History", "Entries and balances, now or as of an instant."),
        ("Reports", "Summaries and CSV exports, written by the change-feed consumers."),
        ("Operations", "Health, ping and the consumers' status: no key needed."),
    ];

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Credit ledger API",
            Version = "1.0.0",
            Description = "A double-entry credit ledger. Every error is an application/problem+json document whose `code` is stable: "
                + "each operation lists the codes it can answer with. Any path answers 404 `route_not_found` when no route has it, "
                + "and 405 `method_not_allowed` (with an Allow header) when it exists with other methods. The full reference is docs/api.md.",
        };
        // The paths are relative to the address the document was fetched from, whatever the host is called.
        document.Servers = [new OpenApiServer { Url = "/" }];
        document.Tags = new HashSet<OpenApiTag>(Tags.Select(tag => new OpenApiTag { Name = tag.Name, Description = tag.Description }));
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[LedgerOpenApi.ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = LedgerApi.ApiKeyHeader,
            Description = "The calling app's API key; it decides the app (apps never see each other's data) and the scopes it holds.",
        };
        document.Components.SecuritySchemes[LedgerOpenApi.BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A JWT (for example an Entra ID token) whose claims name the app and its scopes (scp or roles), where the host is configured for it.",
        };
        return Task.CompletedTask;
    }
}

/// <summary>Puts the ledger's error codes on the problem schema: clients branch on them.</summary>
internal sealed class ProblemCodeSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type == typeof(ProblemBody) && schema.Properties?.TryGetValue("code", out var code) == true && code is OpenApiSchema codeSchema)
        {
            codeSchema.Enum = Problems.KnownCodes.Order(StringComparer.Ordinal).Select(known => (JsonNode)JsonValue.Create(known)).ToList();
            codeSchema.Description = "The stable error code: branch on it, not on title or detail.";
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// The generator describes whole numbers as "an integer or a numeric string" (the framework's web JSON
/// defaults read numbers from strings); the API reads numbers strictly and refuses a string with
/// invalid_field, so the document says integer only.
/// </summary>
internal sealed class StrictNumberSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        const JsonSchemaType numeric = JsonSchemaType.Integer | JsonSchemaType.Number;
        if (schema.Type is { } type && (type & numeric) != 0 && (type & JsonSchemaType.String) != 0)
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        return Task.CompletedTask;
    }
}

/// <summary>Adds to each operation what its contract says beyond Accepts/Produces.</summary>
internal sealed class LedgerOperationTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<RouteDefinition>().FirstOrDefault() is not { } route || metadata.OfType<RouteContract>().FirstOrDefault() is not { } contract)
        {
            return;
        }

        operation.Parameters = OperationParameters.Of(route, contract);
        if (contract.Body is not null)
        {
            operation.RequestBody = await RequestBodyOf(contract, contract.Body, context, cancellationToken);
        }

        OperationResponses.Describe(operation, route, contract);
        // Either scheme authenticates a route, with a credential holding one of the route's scopes (listed as
        // the requirement's roles, as OpenAPI 3.1 allows for non-OAuth schemes); an empty requirement says a route needs none.
        operation.Security = route.Anonymous
            ? [new OpenApiSecurityRequirement()]
            :
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(LedgerOpenApi.ApiKeyScheme, context.Document)] = [.. LedgerScopes.AnyOf(route.Scope!)] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(LedgerOpenApi.BearerScheme, context.Document)] = [.. LedgerScopes.AnyOf(route.Scope!)] },
            ];
    }

    /// <summary>The JSON body, its schema generated from the contract's body type and kept once in the components.</summary>
    private static async Task<OpenApiRequestBody> RequestBodyOf(RouteContract contract, Type body, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var schema = await context.GetOrCreateSchemaAsync(body, parameterDescription: null, cancellationToken);
        var document = context.Document ?? throw new InvalidOperationException("The operation has no document.");
        document.AddComponent(body.Name, schema);
        return new OpenApiRequestBody
        {
            Required = contract.BodyRequired,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["application/json"] = new()
                {
                    Schema = new OpenApiSchemaReference(body.Name, document),
                    Example = contract.BodyExample is null ? null : JsonNode.Parse(contract.BodyExample),
                },
            },
        };
    }
}

/// <summary>The parameters of an operation: every path parameter of its template, then its query and header parameters.</summary>
internal static class OperationParameters
{
    private static readonly ContractParameter IdempotencyKey = new(
        LedgerApi.IdempotencyKeyHeader,
        ParameterPlace.Header,
        "The idempotency key: a write with the same key takes effect at most once per app, and a replay answers like the first request. Send it here or as the body's nonce; one of them is required.",
        "unlock-user-100-post-981") { Pattern = "^[!-~]{1,255}$" };

    public static List<IOpenApiParameter> Of(RouteDefinition route, RouteContract contract)
    {
        var parameters = new List<IOpenApiParameter>();
        foreach (var name in PathParameterNames(route.Template))
        {
            var declared = LedgerRoutes.PathParameters.GetValueOrDefault(name) ?? new ContractParameter(name, ParameterPlace.Path, name, name);
            parameters.Add(Parameter(declared with { In = ParameterPlace.Path, Required = true }));
        }

        parameters.AddRange(contract.Parameters.Select(Parameter));
        if (contract.Idempotent)
        {
            parameters.Add(Parameter(IdempotencyKey));
        }

        return parameters;
    }

    /// <summary>The names inside braces of a template, in order (<c>accounts/{account_id}/balance</c> → account_id).</summary>
    public static IEnumerable<string> PathParameterNames(string template)
        => template.Split('/').Where(segment => segment.StartsWith('{') && segment.EndsWith('}')).Select(segment => segment[1..^1].Split(':', '?', '=')[0]);

    private static OpenApiParameter Parameter(ContractParameter parameter) => new()
    {
        Name = parameter.Name,
        In = parameter.In switch
        {
            ParameterPlace.Path => ParameterLocation.Path,
            ParameterPlace.Header => ParameterLocation.Header,
            _ => ParameterLocation.Query,
        },
        Required = parameter.Required,
        Description = parameter.Description,
        Example = parameter.Format == "int32" ? JsonValue.Create(int.Parse(parameter.Example, CultureInfo.InvariantCulture)) : JsonValue.Create(parameter.Example),
        Schema = new OpenApiSchema
        {
            Type = parameter.Format == "int32" ? JsonSchemaType.Integer : JsonSchemaType.String,
            Format = parameter.Format,
            Pattern = parameter.Pattern,
            Minimum = parameter.Minimum?.ToString(CultureInfo.InvariantCulture),
            Maximum = parameter.Maximum?.ToString(CultureInfo.InvariantCulture),
        },
    };
}

/// <summary>Success headers, and for each problem status the codes it stands for, with an example of each.</summary>
internal static class OperationResponses
{
    public static void Describe(OpenApiOperation operation, RouteDefinition route, RouteContract contract)
    {
        if (operation.Responses is null)
        {
            return;
        }

        foreach (var success in contract.Successes)
        {
            if (operation.Responses.TryGetValue(Key(success.Status), out var response) && response is OpenApiResponse described)
            {
                described.Description = success.Description;
                if (success.Location)
                {
                    AddHeader(described, "Location", "The path of the resource: poll it while it is running.");
                }
            }
        }

        foreach (var group in contract.ProblemCodes(route).GroupBy(Problems.StatusOf))
        {
            if (operation.Responses.TryGetValue(Key(group.Key), out var response) && response is OpenApiResponse problem)
            {
                DescribeProblem(problem, group.Order(StringComparer.Ordinal).ToArray());
            }
        }
    }

    private static void DescribeProblem(OpenApiResponse response, string[] codes)
    {
        var bodies = codes.Select(code => Problems.Body(new LedgerError(code, "A sentence for people; branch on code."))).ToArray();
        response.Description = string.Join("; ", bodies.Select(body => $"`{body.Code}` ({body.Title})"));
        if (response.Content?.TryGetValue(Problems.ContentType, out var media) != true || media is not OpenApiMediaType problemMedia || problemMedia.Schema is null)
        {
            return;
        }

        problemMedia.Schema = new OpenApiSchema
        {
            AllOf = [problemMedia.Schema],
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = codes.Select(code => (JsonNode)JsonValue.Create(code)).ToList() },
            },
        };
        problemMedia.Examples = bodies.ToDictionary(body => body.Code, body => (IOpenApiExample)new OpenApiExample
        {
            Summary = body.Title,
            Value = new JsonObject
            {
                ["type"] = body.Type,
                ["title"] = body.Title,
                ["status"] = body.Status,
                ["detail"] = body.Detail,
                ["code"] = body.Code,
            },
        });
        if (codes.Contains(ErrorCodes.Contention) || codes.Contains(ErrorCodes.StoreUnavailable))
        {
            AddHeader(response, "Retry-After", "Seconds to wait before retrying with the same idempotency key.");
        }
    }

    private static void AddHeader(OpenApiResponse response, string name, string description)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>(StringComparer.OrdinalIgnoreCase);
        response.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
    }

    private static string Key(int status) => status.ToString(CultureInfo.InvariantCulture);
}
