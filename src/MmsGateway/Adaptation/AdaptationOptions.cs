namespace MmsGateway.Adaptation;

/// <summary>
/// <c>Gateway:Adaptation</c>: smart streaming of live streams (docs/design.md#adaptation). Per stream,
/// <c>Gateway:Streams:{name}:Adaptive</c> overrides <see cref="Enabled"/>.
/// </summary>
public sealed class AdaptationOptions
{
    public const string Section = "Gateway:Adaptation";

    /// <summary>Step between the source's bitrates by measured throughput. Off: take what fits <c>MaxBitrate</c> once, at connect.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Sliding window over which throughput and media progress are measured.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How far packets may fall behind their send times (against the best seen) before the link counts as too slow.</summary>
    public TimeSpan BehindLimit { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>After a step, how long to let the new selection settle before judging it.</summary>
    public TimeSpan Settle { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the link must keep up before trying one step higher (doubled, up to 8 times, after each failed try).</summary>
    public TimeSpan HoldOff { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Longest time spent measuring the bitrates of a source whose header declares none (every stream taken meanwhile).</summary>
    public TimeSpan MeasureFor { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Share of the measured link rate a step may use when stepping down (headroom for bursts and overhead).</summary>
    public double Headroom { get; set; } = 0.85;
}
