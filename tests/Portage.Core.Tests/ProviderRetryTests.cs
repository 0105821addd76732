using Portage.Core.Providers;

namespace Portage.Core.Tests;

public sealed class ProviderRetryTests
{
    private static readonly ProviderRetryOptions Defaults = new();

    [Theory]
    [InlineData(429, true)]
    [InlineData(529, true)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(408, true)]
    [InlineData(null, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(404, false)]
    public void Rate_limits_overload_server_errors_and_lost_connections_are_transient(int? status, bool transient) =>
        Assert.Equal(transient, new ProviderException("p", "m", status).Transient);

    [Fact]
    public void Backoff_doubles_from_the_base_delay_when_the_provider_names_no_wait()
    {
        var failure = new ProviderException("p", "busy", 503);
        Assert.Equal(TimeSpan.FromMilliseconds(500), ProviderRetry.DelayBefore(1, failure, Defaults));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), ProviderRetry.DelayBefore(2, failure, Defaults));
        Assert.Null(ProviderRetry.DelayBefore(3, failure, Defaults));
    }

    [Fact]
    public void The_providers_retry_after_wins_over_backoff_up_to_the_limit()
    {
        Assert.Equal(TimeSpan.FromSeconds(7), ProviderRetry.DelayBefore(1, new ProviderException("p", "slow down", 429, TimeSpan.FromSeconds(7)), Defaults));
        Assert.Null(ProviderRetry.DelayBefore(1, new ProviderException("p", "slow down", 429, TimeSpan.FromSeconds(31)), Defaults));
    }

    [Fact]
    public void Non_transient_failures_and_unknown_exceptions_are_never_retried()
    {
        Assert.Null(ProviderRetry.DelayBefore(1, new ProviderException("p", "quota", 429, transient: false), Defaults));
        Assert.Null(ProviderRetry.DelayBefore(1, new InvalidOperationException("bug"), Defaults));
        Assert.NotNull(ProviderRetry.DelayBefore(1, new HttpRequestException("refused"), Defaults));
    }
}
