using Ledger.Domain;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.Hosting.Tests;

/// <summary>The saga bounds both hosts read from <c>Ledger:Transfers</c>: defaults, overrides, and a start that refuses bounds that could not end a saga.</summary>
public sealed class SagaBoundsSettingsTests
{
    [Fact]
    public void Without_settings_the_bounds_are_the_defaults_a_24_hour_deadline_and_ten_failed_drives()
    {
        var bounds = SagaBoundsOptions.Read(new ConfigurationBuilder().Build());

        Assert.Equal(SagaBounds.Default, bounds);
        Assert.Equal((TimeSpan.FromHours(24), 10), (bounds.CreditDeadline, bounds.MaxFailedAttempts));
    }

    [Fact]
    public void Settings_override_each_bound()
    {
        var bounds = SagaBoundsOptions.Read(Configuration(
            ("CreditDeadline", "02:00:00"), ("MaxFailedAttempts", "4"), ("FirstRetryInterval", "00:00:05"), ("MaxRetryInterval", "00:01:00"), ("StuckRetryInterval", "00:30:00")));

        Assert.Equal(new SagaBounds(TimeSpan.FromHours(2), 4, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30)), bounds);
    }

    [Theory]
    [InlineData("CreditDeadline", "00:00:10", "CreditDeadline")]
    [InlineData("CreditDeadline", "31.00:00:00", "CreditDeadline")]
    [InlineData("MaxFailedAttempts", "0", "MaxFailedAttempts")]
    [InlineData("FirstRetryInterval", "00:20:00", "FirstRetryInterval")]
    [InlineData("StuckRetryInterval", "00:00:30", "StuckRetryInterval")]
    public void A_bound_outside_its_range_stops_the_start_naming_the_setting(string key, string value, string named)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddLedger(Configuration((key, value))));

        Assert.Contains("Ledger:Transfers", refused.Message, StringComparison.Ordinal);
        Assert.Contains(named, refused.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings)
        => new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(setting => new KeyValuePair<string, string?>("Ledger:Transfers:" + setting.Key, setting.Value)))
            .Build();
}
