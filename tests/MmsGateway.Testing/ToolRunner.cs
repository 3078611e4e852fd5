using System.Diagnostics;
using System.Text;

namespace MmsGateway.Testing;

/// <summary>The outcome of running an external program (ffmpeg, ffprobe, VLC, MediaInfo ...).</summary>
public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut)
{
    public override string ToString() =>
        $"exit {ExitCode}{(TimedOut ? " (timed out)" : "")}\nstdout: {StandardOutput}\nstderr: {StandardError}";
}

/// <summary>Runs peer programs for interoperability tests, always with a deadline.</summary>
public static class ToolRunner
{
    public static async Task<ToolResult> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var outTask = PumpAsync(process.StandardOutput, stdout);
        var errTask = PumpAsync(process.StandardError, stderr);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync(CancellationToken.None);
        }
        await Task.WhenAll(outTask, errTask);
        return new ToolResult(process.ExitCode, stdout.ToString(), stderr.ToString(), timedOut);
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder sink)
    {
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            // Keep at most 1 MiB of a chatty tool's output.
            if (sink.Length < 1 << 20) sink.Append(buffer, 0, n);
        }
    }

    public static Task<ToolResult> FfmpegAsync(params string[] arguments) =>
        RunAsync("ffmpeg", ["-hide_banner", "-nostdin", .. arguments], TimeSpan.FromMinutes(2));

    public static Task<ToolResult> FfprobeAsync(params string[] arguments) =>
        RunAsync("ffprobe", ["-hide_banner", .. arguments], TimeSpan.FromMinutes(1));

    /// <summary>Decodes a whole file; returns what ffmpeg printed at <c>-v error</c> (empty when the file is clean).</summary>
    public static async Task<string> DecodeErrorsAsync(string path)
    {
        var result = await RunAsync("ffmpeg", ["-nostdin", "-v", "error", "-i", path, "-f", "null", "-"], TimeSpan.FromMinutes(2));
        return result.ExitCode == 0 ? result.StandardError.Trim() : $"exit {result.ExitCode}: {result.StandardError.Trim()}";
    }
}
