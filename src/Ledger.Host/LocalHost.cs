using Ledger.Domain;
using Ledger.Host.OpenApi;
using Ledger.Http;

namespace Ledger.Host;

/// <summary>The local host's own wiring: nothing here parses a request or decides anything.</summary>
public static class LocalHost
{
    public const string DefaultUrl = "http://localhost:5080";

    /// <summary>Threads kept ready for blocking store calls: enough for a burst of concurrent requests.</summary>
    public const int MinimumWorkerThreads = 64;

    /// <summary>Maps every route of the shared route table to the shared handler.</summary>
    public static IEndpointRouteBuilder MapLedgerRoutes(this IEndpointRouteBuilder endpoints)
    {
        foreach (var route in LedgerRoutes.All)
        {
            endpoints.MapMethods("/" + route.Template, [route.Method], (HttpContext context, LedgerApi api) => api.HandleAsync(route, context))
                .WithMetadata(route)
                .WithContract(route);
        }

        return endpoints;
    }

    /// <summary>No route matched: 405 with the allowed methods when the path exists, 404 otherwise.</summary>
    public static IResult NoRoute(HttpContext context)
    {
        var methods = LedgerRoutes.MethodsServing(context.Request.Path.Value ?? "/");
        if (methods.Count > 0)
        {
            context.Response.Headers.Allow = string.Join(", ", methods);
            return Problems.Result(new LedgerError(ErrorCodes.MethodNotAllowed, $"{context.Request.Method} is not allowed on {context.Request.Path}; use {string.Join(" or ", methods)}."), context);
        }

        return Problems.Result(new LedgerError(ErrorCodes.RouteNotFound, $"No route {context.Request.Method} {context.Request.Path}."), context);
    }
}
