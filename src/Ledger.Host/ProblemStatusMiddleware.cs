using Ledger.Domain;
using Ledger.Http;

namespace Ledger.Host;

/// <summary>
/// Turns the bare statuses ASP.NET Core answers by itself (405 for a known path with another method, 413
/// for an oversized body, 400 for a body Kestrel cannot read, 404 for a path that looks like a file name,
/// which the fallback route does not match) into the same problem documents every other error has.
/// </summary>
public sealed class ProblemStatusMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException exception) when (!context.Response.HasStarted)
        {
            await Problems.Result(UnreadableRequest.ErrorOf(exception), context).ExecuteAsync(context);
            return;
        }

        if (context.Response.StatusCode == StatusCodes.Status404NotFound && !context.Response.HasStarted && context.Response.ContentType is null)
        {
            await LocalHost.NoRoute(context).ExecuteAsync(context);
            return;
        }

        if (context.Response.StatusCode == StatusCodes.Status405MethodNotAllowed && !context.Response.HasStarted)
        {
            await Problems.Result(new LedgerError(ErrorCodes.MethodNotAllowed, $"{context.Request.Method} is not allowed on {context.Request.Path}."), context).ExecuteAsync(context);
        }
    }
}
