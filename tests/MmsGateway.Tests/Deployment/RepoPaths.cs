namespace MmsGateway.Tests.Deployment;

/// <summary>Where the repository and its tools are, found from the test binaries (no working-directory assumption).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MmsGateway.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no MmsGateway.sln above {AppContext.BaseDirectory}");
    });

    /// <summary>The folder holding MmsGateway.sln.</summary>
    public static string Root => LazyRoot.Value;

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>
    /// helm: scripts/deps.sh unpacks it into .tools/bin (./test.sh always runs that), else one on PATH; null if neither.
    /// </summary>
    public static string? Helm
    {
        get
        {
            var local = Combine(".tools", "bin", "helm");
            if (File.Exists(local)) return local;
            return FindOnPath("helm");
        }
    }

    public static string? FindOnPath(string program)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>A fact that needs helm; skipped (with the reason) only when helm is truly absent.</summary>
public sealed class HelmFactAttribute : FactAttribute
{
    public HelmFactAttribute()
    {
        if (RepoPaths.Helm is null) Skip = "helm not found in .tools/bin or on PATH (./test.sh installs it through scripts/deps.sh)";
    }
}
