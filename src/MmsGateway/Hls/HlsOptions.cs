using Microsoft.Extensions.Options;

namespace MmsGateway.Hls;

/// <summary>The <c>Gateway:Hls</c> configuration section: browser playback through ffmpeg.</summary>
public sealed class HlsOptions
{
    public const string Section = "Gateway:Hls";

    /// <summary>The ffmpeg program: a path, or a name looked up on <c>PATH</c>.</summary>
    public string FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>Target duration of a media segment; key frames are forced at this interval when encoding.</summary>
    public TimeSpan SegmentDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Target duration of a partial segment (low-latency HLS, <c>EXT-X-PART</c>).</summary>
    public TimeSpan PartDuration { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Complete segments kept in memory and listed in a media playlist (the sliding window).</summary>
    public int WindowSegments { get; set; } = 10;

    /// <summary>A rendition nobody has requested anything from for this long is stopped (its ffmpeg ends).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a first playlist request waits for the first segment of a cold rendition.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>First delay before restarting an ffmpeg that died; doubles per failure up to <see cref="RestartMaxDelay"/>.</summary>
    public TimeSpan RestartInitialDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan RestartMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>x264 preset used when the source must be encoded.</summary>
    public string Preset { get; set; } = "veryfast";

    /// <summary>Upper bound of an encoded video variant's bitrate (bits/s).</summary>
    public long MaxVideoBitrate { get; set; } = 8_000_000;

    /// <summary>Copy H.264, AAC and MP3 sources instead of encoding them again.</summary>
    public bool CopyBrowserSafeCodecs { get; set; } = true;
}

/// <summary>Validates <see cref="HlsOptions"/> at start; each failure names its configuration key.</summary>
public sealed class HlsOptionsValidator : IValidateOptions<HlsOptions>
{
    private static readonly string[] Presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    public ValidateOptionsResult Validate(string? name, HlsOptions options)
    {
        var failures = new List<string>();
        const string key = HlsOptions.Section;
        if (string.IsNullOrWhiteSpace(options.FfmpegPath)) failures.Add($"{key}:FfmpegPath must name the ffmpeg program");
        if (options.SegmentDuration < TimeSpan.FromMilliseconds(500) || options.SegmentDuration > TimeSpan.FromSeconds(10))
            failures.Add($"{key}:SegmentDuration must be between 0.5 and 10 s");
        if (options.PartDuration < TimeSpan.FromMilliseconds(100) || options.PartDuration > options.SegmentDuration)
            failures.Add($"{key}:PartDuration must be between 0.1 s and {key}:SegmentDuration");
        if (options.WindowSegments is < 3 or > 1000) failures.Add($"{key}:WindowSegments must be between 3 and 1000");
        if (options.IdleTimeout < TimeSpan.FromSeconds(1)) failures.Add($"{key}:IdleTimeout must be at least 1 s");
        if (options.StartTimeout < TimeSpan.FromSeconds(1)) failures.Add($"{key}:StartTimeout must be at least 1 s");
        if (options.RestartInitialDelay <= TimeSpan.Zero) failures.Add($"{key}:RestartInitialDelay must be positive");
        if (options.RestartMaxDelay < options.RestartInitialDelay) failures.Add($"{key}:RestartMaxDelay must not be below {key}:RestartInitialDelay");
        if (!Presets.Contains(options.Preset)) failures.Add($"{key}:Preset must be one of {string.Join(", ", Presets)}");
        if (options.MaxVideoBitrate < 100_000) failures.Add($"{key}:MaxVideoBitrate must be at least 100000");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
