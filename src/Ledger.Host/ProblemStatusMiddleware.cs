using Ledger.Domain;
using Ledger.Http;

namespace Ledger.Host;

/// <summary>
/// Turns the bare statuses ASP.NET Core answers by itself (405 for a known path with another method, 413
/// for an oversized body) into the same problem documents every other error has.
/// </summary>
public sealed class ProblemStatusMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            await Problems.Result(new LedgerError(ErrorCodes.BodyTooLarge, $"The body must not exceed {RequestBody.MaxBytes} bytes."), context).ExecuteAsync(context);
            return;
        }

        if (context.Response.StatusCode == StatusCodes.Status405MethodNotAllowed && !context.Response.HasStarted)
        {
            await Problems.Result(new LedgerError(ErrorCodes.MethodNotAllowed, $"{context.Request.Method} is not allowed on {context.Request.Path}."), context).ExecuteAsync(context);
        }
    }
}
