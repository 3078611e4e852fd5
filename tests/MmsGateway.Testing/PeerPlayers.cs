namespace MmsGateway.Testing;

/// <summary>
/// Real players we did not write, driven as a user would: VLC (as an unprivileged user, since cvlc refuses root)
/// and MediaInfo (which reads mms:// through libmms).
/// </summary>
public static class PeerPlayers
{
    /// <summary>A folder every user can write, for VLC's HOME and its output.</summary>
    public static string SharedTempDirectory()
    {
        var dir = Directory.CreateTempSubdirectory("mmsgw-peer-").FullName;
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, (UnixFileMode)0x1FF); // rwxrwxrwx
        return dir;
    }

    /// <summary>
    /// Lets VLC remux <paramref name="url"/> into an ASF file for <paramref name="wallSeconds"/> of wall-clock time
    /// (stopped with SIGINT, since its run-time option counts stream time, docs/protocol/interop.md#s12), or until it exits by
    /// itself with <c>--play-and-exit</c>. Returns the output path and VLC's result.
    /// </summary>
    public static async Task<(string Output, ToolResult Result)> VlcRecordAsync(string url, int wallSeconds)
    {
        var dir = SharedTempDirectory();
        var output = Path.Combine(dir, "vlc-out.asf");
        var result = await ToolRunner.RunAsync("timeout",
        [
            "-s", "INT", "-k", "5", wallSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "runuser", "-u", "nobody", "--", "env", $"HOME={dir}",
            "cvlc", "-I", "dummy", "-q", "--play-and-exit", "--no-repeat", "--no-loop", url,
            "--sout", $"#std{{access=file,mux=asf,dst={output}}}",
        ], TimeSpan.FromSeconds(wallSeconds + 20));
        return (output, result);
    }

    /// <summary>MediaInfo's JSON tracks for <paramref name="url"/>: (type, format) pairs, General excluded.</summary>
    public static async Task<IReadOnlyList<(string Type, string Format)>> MediaInfoTracksAsync(string url)
    {
        var result = await ToolRunner.RunAsync("mediainfo", ["--Output=JSON", url], TimeSpan.FromSeconds(60));
        if (result.ExitCode != 0 || string.IsNullOrWhiteSpace(result.StandardOutput)) return [];
        using var json = System.Text.Json.JsonDocument.Parse(result.StandardOutput);
        if (!json.RootElement.TryGetProperty("media", out var media) || media.ValueKind != System.Text.Json.JsonValueKind.Object) return [];
        return media.GetProperty("track").EnumerateArray()
            .Select(t => (t.GetProperty("@type").GetString() ?? "", t.TryGetProperty("Format", out var f) ? f.GetString() ?? "" : ""))
            .Where(t => t.Item1 != "General")
            .ToList();
    }
}
