using MmsGateway.Streams;

namespace MmsGateway.Tests.Streams;

public sealed class ReconnectBackoffTests
{
    private static readonly ReconnectBackoff Backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData(1, 1_000d)]
    [InlineData(2, 2_000d)]
    [InlineData(3, 4_000d)]
    [InlineData(5, 16_000d)]
    [InlineData(6, 30_000d)]
    [InlineData(1_000, 30_000d)]
    public void The_delay_doubles_per_failure_up_to_the_cap(int failures, double milliseconds) =>
        Assert.Equal(milliseconds, Backoff.Delay(failures, jitter: 0.5).TotalMilliseconds, precision: 6);

    [Fact]
    public void Jitter_spreads_the_delay_from_80_to_120_percent()
    {
        Assert.Equal(800, Backoff.Delay(1, 0).TotalMilliseconds, precision: 6);
        Assert.Equal(1_200, Backoff.Delay(1, 1).TotalMilliseconds, precision: 6);
        Assert.Equal(24_000, Backoff.Delay(10, 0).TotalMilliseconds, precision: 6);
    }

    [Fact]
    public void Random_delays_stay_within_the_jitter_and_differ()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), new Random(17));
        var delays = Enumerable.Range(0, 100).Select(_ => backoff.Next(2).TotalMilliseconds).ToList();
        Assert.All(delays, d => Assert.InRange(d, 1_600, 2_400));
        Assert.True(delays.Distinct().Count() > 50, "jitter makes delays differ");
    }
}
