using System.Collections.Concurrent;

namespace MmsGateway.Testing;

/// <summary>
/// Media made at test time with ffmpeg from lavfi sources (docs/design.md#test-media), cached per test run in a
/// temporary folder so several tests can share one encode.
/// </summary>
public static class GeneratedMedia
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Cache = new();
    private static readonly string Root = Directory.CreateTempSubdirectory("mmsgw-media-").FullName;

    /// <summary>Three WMV2 video streams (500k, 250k, 100k at 160x120) and one WMA2 audio stream, 10 s.</summary>
    public static Task<string> MultiBitrateAsync(int seconds = 10) => GetAsync($"mbr-{seconds}.asf", path =>
    [
        "-f", "lavfi", "-i", $"testsrc=size=320x240:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", $"sine=frequency=440:duration={seconds}",
        "-map", "0:v", "-map", "0:v", "-map", "0:v", "-map", "1:a",
        "-c:v", "wmv2", "-b:v:0", "500k", "-b:v:1", "250k", "-b:v:2", "100k", "-s:v:2", "160x120",
        "-c:a", "wmav2", "-b:a", "64k", "-ac", "2", path,
    ]);

    /// <summary>One WMV2 video stream and one WMA2 audio stream.</summary>
    public static Task<string> SingleBitrateAsync(int seconds = 10) => GetAsync($"single-{seconds}.wmv", path =>
    [
        "-f", "lavfi", "-i", $"testsrc=size=320x240:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", $"sine=frequency=440:duration={seconds}",
        "-c:v", "wmv2", "-b:v", "400k", "-g", "25", "-c:a", "wmav2", "-b:a", "64k", path,
    ]);

    /// <summary>
    /// A smart-streaming ladder with well-separated rates: WMV2 at 640x480 (about 850 kbit/s), 320x240 (about 275) and
    /// 160x120 (about 150), one key frame a second, and 64 kbit/s WMA2. The picture carries noise so that ffmpeg's rate
    /// control reaches its targets (a clean test pattern compresses to the same rate at every size).
    /// </summary>
    public static Task<string> SmartStreamingLadderAsync(int seconds = 20) => GetAsync($"ladder-{seconds}.asf", path =>
    [
        "-f", "lavfi", "-i", $"testsrc=size=640x480:rate=25:duration={seconds},noise=alls=8:allf=t",
        "-f", "lavfi", "-i", $"sine=frequency=440:duration={seconds}",
        "-map", "0:v", "-map", "0:v", "-map", "0:v", "-map", "1:a",
        "-c:v", "wmv2", "-g", "25", "-b:v:0", "800k", "-b:v:1", "300k", "-s:v:1", "320x240", "-b:v:2", "100k", "-s:v:2", "160x120",
        "-c:a", "wmav2", "-b:a", "64k", "-ac", "2", path,
    ]);

    /// <summary>WMA2 audio only.</summary>
    public static Task<string> AudioOnlyAsync(int seconds = 10) => GetAsync($"audio-{seconds}.wma", path =>
    [
        "-f", "lavfi", "-i", $"sine=frequency=440:duration={seconds}", "-c:a", "wmav2", "-b:a", "64k", path,
    ]);

    private static Task<string> GetAsync(string name, Func<string, string[]> arguments) =>
        Cache.GetOrAdd(name, n => new Lazy<Task<string>>(async () =>
        {
            var path = Path.Combine(Root, n);
            var result = await ToolRunner.FfmpegAsync(["-y", "-v", "error", .. arguments(path)]);
            if (result.ExitCode != 0) throw new InvalidOperationException($"ffmpeg could not make {n}: {result}");
            return path;
        })).Value;
}
