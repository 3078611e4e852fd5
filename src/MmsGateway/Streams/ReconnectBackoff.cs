namespace MmsGateway.Streams;

/// <summary>
/// How long a hub waits before connecting again after losing its upstream (<c>Gateway:ReconnectInitialDelay</c>,
/// <c>Gateway:ReconnectMaxDelay</c>): the initial delay doubled per failure in a row, capped, with ±20 % jitter so
/// that many gateways losing one origin do not all come back in step.
/// </summary>
public sealed class ReconnectBackoff(TimeSpan initial, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    /// <summary>The delay after the <paramref name="failures"/>-th failure in a row (1 for the first).</summary>
    public TimeSpan Next(int failures) => Delay(failures, _random.NextDouble());

    /// <summary>
    /// The delay after the <paramref name="failures"/>-th failure in a row; <paramref name="jitter"/> in [0, 1] scales
    /// the capped delay from 80 % to 120 %.
    /// </summary>
    public TimeSpan Delay(int failures, double jitter)
    {
        var baseDelay = initial.TotalMilliseconds * Math.Pow(2, Math.Clamp(failures - 1, 0, 16));
        var capped = Math.Min(baseDelay, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + 0.4 * jitter));
    }
}
