using System.Diagnostics;
using MmsGateway.Mms.Client;
using MmsGateway.Origin;
using MmsGateway.Testing;
using Xunit.Abstractions;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>
/// Regression (faults: garbage from upstream never crashes or hangs a session): a server that sends random bytes after a valid header. Over MMST most of them
/// frame as data packets of some other play incarnation, which the client drops; the bytes kept the receive
/// deadline alive, so the session read forever without delivering a packet or an error. It must end with a
/// time-out at the read deadline instead; over MMSH the first wrong framing byte is already an error, over MMSU
/// random datagrams are not packets of the session.
/// </summary>
public sealed class GarbageAfterHeaderTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("mmst")]
    [InlineData("mmsh")]
    [InlineData("mmsu")]
    public async Task Garbage_after_a_valid_header_ends_the_session_with_an_error_within_the_read_deadline(string scheme)
    {
        await using TestOrigin origin = await TestOrigin.StartAsync(10, root => new OriginOptions
        {
            Root = root, MmstPort = 0, HttpPort = 0, UdpPort = scheme == "mmsu" ? 0 : -1,
            Live = new Dictionary<string, string> { ["live"] = Path.Combine(root, "single.wmv") },
        });
        MmsClientOptions options = MmstGoldenSessionTests.GoldenOptions();
        options.ReadTimeout = TimeSpan.FromSeconds(1);
        origin.Server.Faults = new OriginFaults { GarbageAfter = TimeSpan.FromMilliseconds(300) };

        await using IMmsSession session = (await MmsConnector.ConnectAsync(origin.Url(scheme, "live"), options, null, CancellationToken.None)).Session;
        var clock = Stopwatch.StartNew();
        // A generous outer guard: without the fix the loop below never ends.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var e = await Assert.ThrowsAsync<MmsClientException>(async () =>
        {
            while ((await session.ReadAsync(guard.Token)).Kind != MmsReadResultKind.EndOfStream)
            {
            }
        });
        output.WriteLine($"{scheme}: {e.Kind} after {clock.Elapsed.TotalSeconds:0.0} s: {e.Message}");
        Assert.Equal(MmsClientStep.Read, e.Step);
        Assert.Contains(e.Kind, new[] { MmsClientErrorKind.TimedOut, MmsClientErrorKind.MalformedReply });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the error took {clock.Elapsed}");
    }
}
