namespace MmsGateway.Tests.Observability;

/// <summary>promtool (Debian package prometheus, which ./test.sh installs through scripts/deps.sh).</summary>
internal static class Promtool
{
    public static string Path => Deployment.RepoPaths.FindOnPath("promtool")
        ?? throw new InvalidOperationException("promtool not found on PATH: install the Debian package prometheus (./test.sh does)");

    /// <summary><c>promtool check metrics</c> on a scrape body (read from standard input): exit 0 and no output means clean, lint included.</summary>
    public static Task<ProcessResult> CheckMetricsAsync(string body) =>
        ExternalProcess.RunAsync(Path, ["check", "metrics"], TimeSpan.FromSeconds(30), standardInput: body);
}
