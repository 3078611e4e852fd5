using System.Net;
using System.Net.Sockets;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using MmsGateway.Mms.Rtsp;
using MmsGateway.Testing.Misbehaving;

namespace MmsGateway.Origin.Tests.Rtsp;

/// <summary>
/// The RTSP session under mutated request scripts (the FsCheck mutation style of tests/README.md "Fuzzing", at a
/// session's pace: one real connection per case). Each script of valid requests is damaged by byte flips,
/// insertions, deletions and cuts; the server must answer with well-formed RTSP (or close), never stall a case past
/// its deadline, and keep serving new connections.
/// </summary>
public sealed class RtspSessionMutationTests(OriginHarness origin) : IClassFixture<OriginHarness>
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(FuzzRun.Cases(60))
        .WithReplay(Microsoft.FSharp.Core.FSharpOption<Replay>.Some(new Replay(new Rnd(FuzzRun.Seed, 1013904223), null)));

    private static readonly byte[] Interesting = "\0\xFF$\r\n:;,=- \"09/"u8.ToArray();

    private byte[][] Scripts()
    {
        var url = origin.Rtsp("single.wmv");
        string Request(int cseq, string method, string target, string headers = "", string body = "") =>
            $"{method} {target} RTSP/1.0\r\nCSeq: {cseq}\r\n{headers}{(body.Length > 0 ? $"Content-Length: {body.Length}\r\n" : "")}\r\n{body}";
        return
        [
            Encoding.ASCII.GetBytes(Request(1, "OPTIONS", url) + Request(2, "DESCRIBE", url, "Accept: application/sdp\r\n")),
            Encoding.ASCII.GetBytes(Request(1, "DESCRIBE", url) + Request(2, "SETUP", url + "/stream=1", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n")
                + Request(3, "SETUP", url + "/stream=2", "Transport: RTP/AVP/UDP;unicast;client_port=40000-40001\r\n")),
            Encoding.ASCII.GetBytes(Request(1, "DESCRIBE", url) + Request(2, "SETUP", url + "/stream=1", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n")
                + Request(3, "SET_PARAMETER", url + "/stream=1", "Content-Type: application/x-wms-streamswitch\r\n", $"1 2 0 {url}/stream=1 {url}/stream=2\r\n")
                + Request(4, "PLAY", url + "/", "Range: npt=2.5-\r\n") + Request(5, "PAUSE", url + "/") + Request(6, "TEARDOWN", url + "/")),
            Encoding.ASCII.GetBytes(Request(1, "SETUP", url + "/stream=1", "Transport: RTP/AVP/UDP;unicast;client_port=40002\r\n", "\0")
                + "$\u0001\u0000\u0008\u0080\u00C9\u0000\u0001\u0000\u0000\u0000\u0000" + Request(2, "GET_PARAMETER", url + "/", "Session: 1\r\n")),
        ];
    }

    private sealed record Mutation(int Kind, int Position, int Length, byte Value)
    {
        public byte[] Apply(byte[] data)
        {
            if (data.Length == 0) return [Value];
            var at = Position % data.Length;
            var list = data.ToList();
            switch (Kind)
            {
                case 0: list[at] = Value; break;
                case 1: list.InsertRange(at, Enumerable.Repeat(Value, Length)); break;
                case 2: list.RemoveRange(at, Math.Min(Length, list.Count - at)); break;
                case 3: list[at] ^= (byte)(1 << (Value % 8)); break;
                default: list.RemoveRange(at, list.Count - at); break;
            }
            return [.. list];
        }
    }

    [Fact]
    public async Task Mutated_request_scripts_get_well_formed_answers_or_a_close_and_the_server_keeps_serving()
    {
        var scripts = Scripts();
        Gen<Mutation> mutation =
            from kind in Gen.Choose(0, 4)
            from position in Gen.Choose(0, 1 << 12)
            from length in Gen.Frequency((3, Gen.Choose(1, 4)), (1, Gen.Choose(1, 200)))
            from value in Gen.Frequency((1, Gen.Elements(Interesting)), (1, Gen.Choose(0, 255).Select(i => (byte)i)))
            select new Mutation(kind, position, length, value);
        Gen<byte[]> input =
            from script in Gen.Elements(scripts)
            from mutations in Gen.Choose(1, 6).SelectMany(n => Gen.ListOf(mutation, n))
            select mutations.Aggregate(script, (data, m) => m.Apply(data));
        var property = Prop.ForAll(input.ToArbitrary(), RunCase);
        await Task.Run(() => FsCheck.Check.One(Runs, property));
        // Still serving after every case.
        var (status, _) = await ExchangeAsync(Encoding.ASCII.GetBytes($"OPTIONS {origin.Rtsp("single.wmv")} RTSP/1.0\r\nCSeq: 1\r\n\r\n"));
        Assert.Equal([200], status);
    }

    // FsCheck runs cases synchronously; each case is one connection, waited for on a pool thread.
    private void RunCase(byte[] data)
    {
        var (statuses, _) = ExchangeAsync(data).GetAwaiter().GetResult();
        Assert.All(statuses, s => Assert.InRange(s, 200, 599));
    }

    /// <summary>Sends <paramref name="data"/>, then reads for a second: the answers' status codes (frames skipped).</summary>
    private async Task<(List<int> Statuses, bool Closed)> ExchangeAsync(byte[] data)
    {
        using var tcp = new TcpClient();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tcp.ConnectAsync(IPAddress.Loopback, origin.Server.RtspPort, deadline.Token);
        var stream = tcp.GetStream();
        try
        {
            await stream.WriteAsync(data, deadline.Token);
        }
        catch (IOException)
        {
        }
        var statuses = new List<int>();
        var buffer = new byte[1 << 20];
        var filled = 0;
        using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var closed = false;
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(filled), quiet.Token);
                if (read == 0)
                {
                    closed = true;
                    break;
                }
                filled += read;
                var sequence = new System.Buffers.ReadOnlySequence<byte>(buffer, 0, filled);
                var reader = new System.Buffers.SequenceReader<byte>(sequence);
                while (true)
                {
                    var kind = RtspInterleaved.Peek(ref reader);
                    if (kind == RtspStreamItem.InterleavedFrame && RtspInterleaved.TryRead(ref reader, out _)) continue;
                    if (kind == RtspStreamItem.Message && RtspHeadParser.TryParseMessage(ref reader, RtspLimits.Default, out var head, out _))
                    {
                        if (!head.IsRequest) statuses.Add(head.StatusCode);
                        continue;
                    }
                    break;
                }
                var consumed = (int)reader.Consumed;
                Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                filled -= consumed;
                if (filled == buffer.Length) break;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
            closed = true;
        }
        return (statuses, closed);
    }
}
