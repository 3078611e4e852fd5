using System.Collections.Concurrent;
using System.Text;
using MmsGateway.Processes;

namespace MmsGateway.Tests.Hls;

/// <summary>The process wrapper ffmpeg runs in (over CliWrap): byte streams in and out, stderr lines to a callback, kill and reap.</summary>
public sealed class ChildProcessTests
{
    [Fact]
    public async Task Bytes_go_through_and_standard_error_arrives_as_lines()
    {
        var lines = new ConcurrentQueue<string>();
        var output = new MemoryStream();
        await using var process = ChildProcess.Start("/bin/sh", ["-c", "echo one >&2; cat; echo two >&2"], lines.Enqueue,
            standardInput: (stdin, ct) => stdin.WriteAsync("hello\n"u8.ToArray(), ct).AsTask(), // returning closes the input
            standardOutput: (stdout, ct) => stdout.CopyToAsync(output, ct));
        Assert.Equal(0, await process.Exited.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(process.Input.IsCompletedSuccessfully && process.Output.IsCompletedSuccessfully);
        Assert.Equal("hello\n", Encoding.ASCII.GetString(output.ToArray()));
        Assert.Equal(["one", "two"], lines);
    }

    [Fact]
    public async Task A_failing_output_reader_is_reported_and_the_program_still_ends()
    {
        var process = ChildProcess.Start("/bin/sh", ["-c", "yes"], _ => { },
            standardOutput: (_, _) => throw new InvalidDataException("not fMP4"));
        var failure = await Assert.ThrowsAsync<InvalidDataException>(() => process.Output.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("not fMP4", failure.Message);
        // Its output closed, the program gets a broken pipe and exits without being killed.
        await process.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        await process.DisposeAsync();
    }

    [Fact]
    public async Task Stopping_kills_a_program_that_does_not_end_and_waits_for_it()
    {
        var process = ChildProcess.Start("/bin/sh", ["-c", "trap '' TERM; sleep 60"], _ => { });
        var pid = process.Id;
        Assert.True(Directory.Exists($"/proc/{pid}"));
        var exit = await process.StopAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(ChildProcess.KilledExitCode, exit);
        Assert.True(process.HasExited);
        await process.DisposeAsync();
        Assert.False(Directory.Exists($"/proc/{pid}"), "the killed program is reaped, not left as a zombie");
        Assert.Equal(exit, await process.StopAsync(TimeSpan.Zero)); // stopping twice is harmless
    }

    [Fact]
    public async Task A_program_whose_input_closes_ends_within_the_grace_period()
    {
        var process = ChildProcess.Start("/bin/cat", [], _ => { });
        Assert.Equal(0, await process.StopAsync(TimeSpan.FromSeconds(5)).WaitAsync(TimeSpan.FromSeconds(10)));
        await process.DisposeAsync();
    }

    [Fact]
    public void A_missing_program_is_one_clear_error()
    {
        var e = Assert.Throws<ChildProcessStartException>(() => ChildProcess.Start("/nonexistent/ffmpeg", ["-version"], _ => { }));
        Assert.Contains("/nonexistent/ffmpeg", e.Message);
        Assert.Null(ChildProcess.Locate("/nonexistent/ffmpeg"));
        Assert.Null(ChildProcess.Locate("no-such-program-mmsgw"));
        var plain = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-proc-").FullName, "ffmpeg");
        File.WriteAllText(plain, "not a program");
        Assert.Null(ChildProcess.Locate(plain)); // exists, but not executable
        Assert.Equal("/bin/sh", ChildProcess.Locate("/bin/sh"));
        Assert.NotNull(ChildProcess.Locate("ffmpeg"));
    }
}
