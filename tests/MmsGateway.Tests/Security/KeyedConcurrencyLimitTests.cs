using MmsGateway.Security;

namespace MmsGateway.Tests.Security;

/// <summary>The per-key concurrency permits behind the per-client and per-stream limits (no timer, no idle entries).</summary>
public sealed class KeyedConcurrencyLimitTests
{
    [Fact]
    public void A_key_gets_its_limit_and_no_more_and_other_keys_are_apart()
    {
        var limit = new KeyedConcurrencyLimit(2);
        var first = limit.TryAcquire("10.0.0.1");
        var second = limit.TryAcquire("10.0.0.1");
        var third = limit.TryAcquire("10.0.0.1");
        Assert.True(first.IsAcquired);
        Assert.True(second.IsAcquired);
        Assert.False(third.IsAcquired);
        Assert.True(limit.TryAcquire("10.0.0.2").IsAcquired);
        Assert.Equal(0, limit.Available("10.0.0.1"));

        first.Dispose();
        Assert.Equal(1, limit.Available("10.0.0.1"));
        Assert.True(limit.TryAcquire("10.0.0.1").IsAcquired);
    }

    [Fact]
    public void A_key_is_forgotten_once_its_last_permit_returns_and_a_lease_returns_only_once()
    {
        var limit = new KeyedConcurrencyLimit(3);
        var leases = Enumerable.Range(0, 3).Select(_ => limit.TryAcquire("stream")).ToList();
        Assert.Equal(1, limit.Keys);

        leases[0].Dispose();
        leases[0].Dispose(); // a second dispose must not give back a permit it no longer holds
        Assert.Equal(1, limit.Available("stream"));
        leases[1].Dispose();
        leases[2].Dispose();
        Assert.Equal(0, limit.Keys);
        Assert.Equal(3, limit.Available("stream"));
    }
}
