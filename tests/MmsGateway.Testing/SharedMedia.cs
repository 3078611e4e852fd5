using Xunit;

namespace MmsGateway.Testing;

/// <summary>
/// Where the real media made by others lives (<c>../shared/media</c>). The files are never copied into the
/// repository: <c>./test.sh</c> points <see cref="EnvironmentVariable"/> at the folder when it exists, CI makes it
/// mandatory, and elsewhere tests that need it report themselves as skipped.
/// </summary>
public static class SharedMedia
{
    public const string EnvironmentVariable = "MMSGW_SHARED_MEDIA";

    public static string? Directory
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable(EnvironmentVariable);
            return string.IsNullOrEmpty(dir) || !System.IO.Directory.Exists(dir) ? null : dir;
        }
    }

    public static bool IsAvailable => Directory is not null;

    public const string SkipReason = "shared media not available (set " + EnvironmentVariable + ")";

    /// <summary>Full path of a file below the shared media folder, e.g. <c>Path("asf", "mm_elephant.asf")</c>.</summary>
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([Directory ?? throw new InvalidOperationException(SkipReason), .. parts]);

    /// <summary>The ASF files in <c>asf/</c>, for theories.</summary>
    public static IEnumerable<object[]> AsfFiles() =>
        Directory is null
            ? [["(none)"]]
            : System.IO.Directory.EnumerateFiles(System.IO.Path.Combine(Directory, "asf"))
                .Select(f => new object[] { System.IO.Path.GetFileName(f) })
                .OrderBy(f => (string)f[0], StringComparer.Ordinal);
}

/// <summary>A fact that is skipped when the shared media folder is not available.</summary>
public sealed class SharedMediaFactAttribute : FactAttribute
{
    public SharedMediaFactAttribute()
    {
        if (!SharedMedia.IsAvailable) Skip = SharedMedia.SkipReason;
    }
}

/// <summary>A theory that is skipped when the shared media folder is not available.</summary>
public sealed class SharedMediaTheoryAttribute : TheoryAttribute
{
    public SharedMediaTheoryAttribute()
    {
        if (!SharedMedia.IsAvailable) Skip = SharedMedia.SkipReason;
    }
}
