using Ledger.Domain;

namespace Ledger.Engine.Tests;

/// <summary>Assertions on <see cref="Result{T}"/> that say which code an error must carry.</summary>
internal static class Expect
{
    public static T Success<T>(Result<T> result)
    {
        Assert.True(result.IsSuccess, result.IsSuccess ? null : $"Expected success, got {result.Error!.Code}: {result.Error.Message}");
        return result.Value;
    }

    public static LedgerError Failure<T>(Result<T> result, string code, string? field = null)
    {
        Assert.False(result.IsSuccess, $"Expected a failure with code {code} but the result succeeded.");
        Assert.Equal(code, result.Error!.Code);
        if (field is not null)
        {
            Assert.Equal(field, result.Error.Field);
        }

        return result.Error;
    }
}
