using System.Text;
using FsCheck;
using FsCheck.Fluent;
using MmsGateway.Mms.Client;
using MmsGateway.Mms.Rtsp;
using MmsGateway.Testing;
using MmsGateway.Testing.Misbehaving;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>
/// The RTSP client session under mutated server streams (the FsCheck mutation style of tests/README.md "Fuzzing",
/// at a session's pace: one real connection per case). A valid DESCRIBE body, or the valid bytes after the PLAY
/// answer (interleaved RTP of a real file, then the end-of-stream request), are damaged by byte flips, insertions,
/// deletions and cuts; the session must end with the end of the stream or an <see cref="MmsClientException"/>, and
/// never hang past its deadlines.
/// </summary>
public sealed class RtspClientMutationTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(FuzzRun.Cases(60))
        .WithReplay(Microsoft.FSharp.Core.FSharpOption<Replay>.Some(new Replay(new Rnd(FuzzRun.Seed, 1013904223), null)));

    private static readonly byte[] Interesting = "\0\xFF$\r\n:;,=- \"09/PR"u8.ToArray();

    private sealed record Mutation(int Kind, int Position, int Length, byte Value)
    {
        public byte[] Apply(byte[] data)
        {
            if (data.Length == 0) return [Value];
            int at = Position % data.Length;
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

    private static MmsClientOptions Options() => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(1),
        HandshakeTimeout = TimeSpan.FromSeconds(2),
        ReadTimeout = TimeSpan.FromSeconds(1),
    };

    [SharedMediaFact]
    public async Task Mutated_SDP_and_mutated_interleaved_streams_end_cleanly_or_with_a_client_exception()
    {
        var media = TestMedia.Wine();
        const string url = "rtsp://127.0.0.1/clip.wmv";
        byte[] sdp = Encoding.Latin1.GetBytes(new ScriptedWms(media, new WmsBehaviour()).DefaultSdp(url));
        byte[] eos = ScriptedWms.Request(RtspMethods.SetParameter, url, new RtspHeaders()
            .Add("CSeq", "1").Add("Content-Type", WmsEndOfStream.ContentType).Add("X-Notice", RtspNotice.EndOfStream.Format())
            .Add("Session", ScriptedWms.SessionId), $"Session: {ScriptedWms.SessionId}\r\nEOF: true\r\n");
        byte[] stream = [.. ScriptedWms.Interleaved(media.Packets, media.PacketSize, 0, 4711), .. eos];

        Gen<Mutation> mutation =
            from kind in Gen.Choose(0, 4)
            from position in Gen.Choose(0, 1 << 16)
            from length in Gen.Frequency((3, Gen.Choose(1, 4)), (1, Gen.Choose(1, 300)))
            from value in Gen.Frequency((1, Gen.Elements(Interesting)), (1, Gen.Choose(0, 255).Select(i => (byte)i)))
            select new Mutation(kind, position, length, value);
        Gen<(bool MutateSdp, byte[] Data)> input =
            from which in Gen.Elements(true, false)
            from mutations in Gen.Choose(1, 6).SelectMany(n => Gen.ListOf(mutation, n))
            select (which, mutations.Aggregate(which ? sdp : stream, (data, m) => m.Apply(data)));
        var property = Prop.ForAll(input.ToArbitrary(), c => RunCase(media, c.MutateSdp, c.Data, stream));
        await Task.Run(() => FsCheck.Check.One(Runs, property));
    }

    private static void RunCase(TestMedia media, bool mutateSdp, byte[] data, byte[] validStream) =>
        RunCaseAsync(media, mutateSdp, data, validStream).GetAwaiter().GetResult();

    private static async Task RunCaseAsync(TestMedia media, bool mutateSdp, byte[] data, byte[] validStream)
    {
        byte[] after = mutateSdp ? validStream : data;
        var wms = new ScriptedWms(media, new WmsBehaviour
        {
            Sdp = mutateSdp ? Encoding.Latin1.GetString(data) : null,
            AfterData = (peer, _) => peer.SendAsync(after),
            CloseAfterData = true,
            PacketLimit = 0,
        });
        await using var server = new ScriptedServer((peer, _) => wms.RunAsync(peer));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            MmsConnectResult result = await MmsConnector.ConnectAsync(server.Url("rtsp", "/clip.wmv"), Options(), null, CancellationToken.None);
            await using IMmsSession session = result.Session;
            for (int reads = 0; reads < 10_000; reads++)
            {
                MmsReadResult read = await session.ReadAsync(CancellationToken.None);
                if (read.Kind == MmsReadResultKind.EndOfStream) break;
                if (read.Kind == MmsReadResultKind.Packet) Assert.Equal(session.Header.PacketSize, read.Packet.Length);
            }
        }
        catch (MmsClientException)
        {
            // A clean, classified failure.
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"a case took {watch.Elapsed}");
    }
}
