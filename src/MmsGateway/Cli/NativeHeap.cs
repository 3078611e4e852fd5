using System.Runtime.InteropServices;

namespace MmsGateway.Cli;

/// <summary>
/// Makes glibc's malloc give the JIT's scratch memory back to the system once the JIT is done with it.
/// </summary>
/// <remarks>
/// The JIT takes its working memory in pages of 64 KB (more for a large method) from malloc. Under glibc's default mmap
/// threshold (128 KB, raised each time a larger mapped block is freed, the trim threshold with it) those pages come
/// from the compiling thread's arena, which gives memory back to the system only from its top: when the first requests
/// of a gateway are compiled the pages are freed afterwards, but stay resident between live blocks. Measured on the
/// fan-out benchmark (benchmarks/README.md, "Session 7"): one arena held 4.7 MB after the first ten viewers, 0.2 MB of
/// it in use; fixing the threshold at its default of 128 KB changed nothing. At 64 KB a page the arena has no free room
/// for is a mapping of its own, unmapped when it is freed, and both thresholds stay fixed. Nothing on a hot path
/// allocates from malloc, so the extra <c>mmap</c>/<c>munmap</c> calls come with compilation only (the runtime also
/// keeps freed JIT pages a few seconds for reuse).
/// </remarks>
internal static partial class NativeHeap
{
    /// <summary>Blocks of this size or more are mapped on their own.</summary>
    internal const int MmapThreshold = 64 * 1024;

    /// <summary><c>M_MMAP_THRESHOLD</c> of glibc's <c>malloc.h</c>.</summary>
    private const int MmapThresholdOption = -3;

    /// <summary>
    /// Sets the threshold, unless the operator chose one (<c>MALLOC_MMAP_THRESHOLD_</c>, or <c>GLIBC_TUNABLES</c> naming
    /// <c>glibc.malloc.mmap_threshold</c>). Returns whether it was set: false off Linux, on another C library (musl has
    /// no <c>libc.so.6</c>), or when the operator's choice stands.
    /// </summary>
    public static bool ReturnLargeBlocksToTheSystem()
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (OperatorChoseThreshold(Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_"), Environment.GetEnvironmentVariable("GLIBC_TUNABLES")))
            return false;
        try
        {
            return SetOption(MmapThresholdOption, MmapThreshold) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Whether glibc was given a threshold at start-up, which then stands.</summary>
    internal static bool OperatorChoseThreshold(string? mallocMmapThreshold, string? glibcTunables) =>
        mallocMmapThreshold is not null || glibcTunables?.Contains("glibc.malloc.mmap_threshold", StringComparison.Ordinal) == true;

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int SetOption(int option, int value);
}
