using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace MmsGateway.Testing.Misbehaving;

/// <summary>
/// The rules every parser fuzz case runs under (tests/README.md, "Fuzzing"): a fixed seed and a case count from
/// the environment (<c>MMSGW_FUZZ_SEED</c>, <c>MMSGW_FUZZ_CASES</c>; CI uses each property's modest default), only
/// the parser's documented exception, an allocation bound derived from the input's length, and a watchdog instead
/// of a timed assert: a case still running after <c>MMSGW_FUZZ_HANG_SECONDS</c> (default 60) has its input saved
/// to a file and the process is ended with that file's name, because a hung parser cannot be stopped any other way.
/// With <c>MMSGW_FUZZ_REPORT=FILE</c> each property appends one line of figures (cases, errors, peak allocation,
/// slowest case, duration) for the long-run note.
/// </summary>
public static class FuzzRun
{
    private static readonly ConcurrentDictionary<int, RunningCase> Running = new();
    private static readonly Timer Watchdog = new(_ => CheckForHangs(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

    public static ulong Seed { get; } = ulong.TryParse(Environment.GetEnvironmentVariable("MMSGW_FUZZ_SEED"), out var s) ? s : 20261122;

    public static TimeSpan HangLimit { get; } = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("MMSGW_FUZZ_HANG_SECONDS"), CultureInfo.InvariantCulture, out var h) && h > 0 ? h : 60);

    /// <summary>The number of cases: <c>MMSGW_FUZZ_CASES</c> when set, else <paramref name="ciDefault"/>.</summary>
    public static int Cases(int ciDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("MMSGW_FUZZ_CASES"), out var n) && n > 0 ? n : ciDefault;

    /// <summary>Starts the figures of one property; dispose it after the run to report them.</summary>
    public static FuzzTally Start(string parser) => new(parser);

    /// <summary>
    /// Runs one case on the calling thread: <paramref name="parse"/> may succeed or throw one of
    /// <paramref name="allowed"/> (with a message); anything else fails the case, as does allocating more than
    /// <paramref name="allocationBound"/> bytes on this thread.
    /// </summary>
    public static void Case(FuzzTally tally, byte[] input, long allocationBound, Action parse, params Type[] allowed)
    {
        var thread = Environment.CurrentManagedThreadId;
        Running[thread] = new RunningCase(tally.Parser, input, Stopwatch.GetTimestamp());
        var before = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        var rejected = false;
        try
        {
            parse();
        }
        catch (Exception e) when (allowed.Contains(e.GetType()))
        {
            rejected = true;
            Assert.False(string.IsNullOrWhiteSpace(e.Message), $"{e.GetType().Name} without a message");
        }
        finally
        {
            Running.TryRemove(thread, out _);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        tally.Add(input, allocated, Stopwatch.GetElapsedTime(start), rejected);
        Assert.True(allocated <= allocationBound,
            $"{tally.Parser}: {allocated} bytes allocated on a {input.Length}-byte input (bound {allocationBound})");
    }

    private static void CheckForHangs()
    {
        foreach (var (_, c) in Running)
        {
            if (Stopwatch.GetElapsedTime(c.Started) < HangLimit) continue;
            var file = Path.Combine(Path.GetTempPath(), $"mmsgw-fuzz-hang-{c.Parser}-{Guid.NewGuid():N}.bin");
            File.WriteAllBytes(file, c.Input);
            Environment.FailFast($"fuzz case of {c.Parser} still running after {HangLimit.TotalSeconds} s; its input is in {file}");
        }
    }

    private sealed record RunningCase(string Parser, byte[] Input, long Started);
}

/// <summary>Figures of one property run, appended to <c>MMSGW_FUZZ_REPORT</c> when that is set.</summary>
public sealed class FuzzTally(string parser) : IDisposable
{
    private static readonly Lock ReportGate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();

    public string Parser { get; } = parser;
    public int Count { get; private set; }
    public int Rejected { get; private set; }
    public long PeakAllocated { get; private set; }
    public int PeakInputLength { get; private set; }
    public TimeSpan Slowest { get; private set; }

    /// <summary>The input of the slowest case, saved beside the report so a slow case can be timed again alone.</summary>
    public byte[] SlowestInput { get; private set; } = [];

    internal void Add(byte[] input, long allocated, TimeSpan elapsed, bool rejected)
    {
        lock (_gate)
        {
            Count++;
            if (rejected) Rejected++;
            if (allocated > PeakAllocated)
            {
                PeakAllocated = allocated;
                PeakInputLength = input.Length;
            }
            if (elapsed > Slowest)
            {
                Slowest = elapsed;
                SlowestInput = input;
            }
        }
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("MMSGW_FUZZ_REPORT") is not { Length: > 0 } report) return;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{Parser}\tseed={FuzzRun.Seed}\tcases={Count}\tformat-errors={Rejected}\tpeak-alloc={PeakAllocated}B(on {PeakInputLength}B input)\tslowest={Slowest.TotalMilliseconds:0.0}ms\tduration={_clock.Elapsed.TotalSeconds:0.0}s{Environment.NewLine}");
        lock (ReportGate)
        {
            File.AppendAllText(report, line);
            File.WriteAllBytes($"{report}.{Parser}.slowest.bin", SlowestInput);
        }
    }
}
