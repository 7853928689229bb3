using Ledger.Domain;

namespace Ledger.Domain.Tests;

/// <summary>Assertions on <see cref="Result{T}"/> that say which code and field an error must carry.</summary>
internal static class Expect
{
    public static T Success<T>(Result<T> result)
    {
        Assert.True(result.IsSuccess, result.IsSuccess ? null : $"Expected success, got {result.Error!.Code}: {result.Error.Message}");
        return result.Value;
    }

    public static LedgerError Failure<T>(Result<T> result, string code, string? field = null)
    {
        Assert.False(result.IsSuccess, "Expected a failure with code " + code + " but the result succeeded.");
        var error = result.Error!;
        Assert.Equal(code, error.Code);
        if (field is not null)
        {
            Assert.Equal(field, error.Field);
        }

        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        return error;
    }

    public static LedgerError Error(LedgerError? error, string code)
    {
        Assert.NotNull(error);
        Assert.Equal(code, error.Code);
        return error;
    }
}
