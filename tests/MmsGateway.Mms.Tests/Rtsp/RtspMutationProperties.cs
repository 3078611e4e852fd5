using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using MmsGateway.Mms.Rtsp;
using MmsGateway.Testing;
using MmsGateway.Testing.Misbehaving;

namespace MmsGateway.Mms.Tests.Rtsp;

/// <summary>
/// The RTSP codecs under mutated real inputs, as <see cref="MutationProperties"/> does for MMS: byte changes,
/// insertions, deletions, truncation and duplicated ranges, split into random segments, may only end in success or
/// <see cref="MmsProtocolException"/>; read loops always progress; allocation stays proportional to the input.
/// Counts and seed from <see cref="FuzzRun"/> (tests/README.md, "Fuzzing").
/// </summary>
public class RtspMutationProperties
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(FuzzRun.Cases(400))
        .WithReplay(Microsoft.FSharp.Core.FSharpOption<Replay>.Some(new Replay(new Rnd(FuzzRun.Seed, 1013904223), null)));

    private static readonly byte[] Interesting =
        [0x00, 0xFF, 0x24, 0x40, 0x80, 0xC0, 0xE0, 0x50, (byte)'\r', (byte)'\n', (byte)':', (byte)';', (byte)',', (byte)'=',
            (byte)' ', (byte)'"', (byte)'-', (byte)'0', (byte)'9', (byte)'m', (byte)'a', (byte)'+', (byte)'/'];

    /// <summary>One packet size for every depacketizer case, so the shared instance is made once; smaller packets exercise re-padding.</summary>
    private const int FuzzPacketSize = 3200;

    private static readonly AsfRtpDepacketizer Depacketizer = new(FuzzPacketSize);
    private static readonly byte[] FrameBuffer = new byte[RtspInterleaved.MaxPayload];

    [Fact]
    public void Rtsp_head_parser_and_header_values() => Check(HeadVectors(), data =>
    {
        var reader = new SequenceReader<byte>(data);
        ReadLoop(ref reader, static (ref SequenceReader<byte> r) =>
        {
            if (!RtspHeadParser.TryParseMessage(ref r, RtspLimits.Default, out var head, out var body)) return false;
            _ = (head.Method, head.Uri, head.StatusCode, head.CSeq, head.ContentLength, head.Session, body.Length);
            ReadHeaderValues(head);
            return true;
        });
    });

    [Fact]
    public void Interleaved_framing_between_messages() => Check(ConnectionVectors(), data =>
    {
        var reader = new SequenceReader<byte>(data);
        ReadLoop(ref reader, static (ref SequenceReader<byte> r) =>
        {
            switch (RtspInterleaved.Peek(ref r))
            {
                case RtspStreamItem.NeedMoreData:
                    return false;
                case RtspStreamItem.InterleavedFrame:
                    if (!RtspInterleaved.TryRead(ref r, out var frame)) return false;
                    Assert.True(frame.Payload.Length <= RtspInterleaved.MaxPayload);
                    if (!frame.IsPacketPair && frame.Payload.Length >= RtpHeader.FixedSize)
                    {
                        frame.Payload.CopyTo(FrameBuffer);
                        var packet = FrameBuffer.AsSpan(0, (int)frame.Payload.Length);
                        if (RtcpCompound.IsRtcp(packet)) _ = RtcpCompound.ContainsBye(packet);
                        else _ = RtpHeader.Parse(packet).Payload(packet).Length;
                    }

                    return true;
                default:
                    return RtspHeadParser.TryParseMessage(ref r, RtspLimits.Default, out _, out _);
            }
        });
    });

    [Fact]
    public void Asf_payload_headers_and_depacketizer() => Check(RtpStreamVectors(), data =>
    {
        Depacketizer.Reset();
        var reader = new SequenceReader<byte>(data);
        ReadLoop(ref reader, static (ref SequenceReader<byte> r) =>
        {
            if (!RtspInterleaved.TryRead(ref r, out var frame)) return false;
            frame.Payload.CopyTo(FrameBuffer);
            var packet = FrameBuffer.AsSpan(0, (int)frame.Payload.Length);
            try
            {
                var header = RtpHeader.Parse(packet);
                var payload = header.Payload(packet);
                if (AsfPayloadHeader.TryParse(payload, out var unit)) _ = (unit.Size, unit.LengthOrOffset, AsfPayloadHeader.Parse(payload).Flags);
                Depacketizer.Push(header, payload);
            }
            catch (MmsProtocolException)
            {
                // One bad RTP header costs its packet only, as on a connection; the rest of the stream goes on.
            }

            while (Depacketizer.TryDequeue(out var rebuilt)) Assert.Equal(FuzzPacketSize, rebuilt.Length);
            return true;
        });
    });

    [Fact]
    public void Sdp_parser() => Check(SdpVectors(), data =>
    {
        var sdp = SdpParser.Parse(data.ToArray(), RtspLimits.Default);
        _ = (sdp.Range, sdp.MaxPacketSize, sdp.AsfHeader?.Length, sdp.AggregateControl("rtsp://h/a"));
        foreach (var media in sdp.Media) _ = (sdp.ResolveControl(media, "rtsp://h/a"), media.IsAsf, media.IsRetransmission, media.StreamNumber);
    });

    [Fact]
    public void Wms_bodies_and_rtcp() => Check(BodyVectors(), data =>
    {
        byte[] bytes = data.ToArray();
        MmsProtocolException? refused = null;
        void Try(Action parse)
        {
            try
            {
                parse();
            }
            catch (MmsProtocolException e)
            {
                refused ??= e;
            }
        }

        Try(() => _ = WmsEndOfStream.Parse(bytes, RtspLimits.Default).Fields.Count);
        Try(() => _ = WmsStreamSwitch.Parse(bytes, RtspLimits.Default).Count);
        Try(() => _ = RtcpCompound.ContainsBye(bytes));
        Try(() => _ = RtcpGenericNack.Parse(bytes, out _, out _, new ushort[64]));
        if (refused is not null) throw refused;
    });

    private static void ReadHeaderValues(RtspMessageHead head)
    {
        if (head.Headers["Transport"] is string transport) _ = RtspTransport.ParseList(transport).Select(t => t.Format()).Count();
        if (head.Headers["Range"] is string range) _ = RtspNptRange.TryParse(range, out _);
        if (head.Headers["RTP-Info"] is string info) _ = RtpInfoHeader.Parse(info).Count;
        if (head.Headers["X-Notice"] is string notice) _ = RtspNotice.Parse(notice).Kind;
        foreach (string challenge in head.Headers.GetAll("WWW-Authenticate")) _ = RtspAuthChallenge.Parse(challenge).Count;
        if (head.Headers["Authorization"] is string authorization) _ = RtspAuthCredentials.Parse(authorization).UserName;
    }

    private delegate bool ReadStep(ref SequenceReader<byte> reader);

    private static void ReadLoop(ref SequenceReader<byte> reader, ReadStep step)
    {
        while (true)
        {
            long before = reader.Consumed;
            if (!step(ref reader))
            {
                Assert.Equal(before, reader.Consumed);
                return;
            }

            Assert.True(reader.Consumed > before, "a successful read consumed nothing");
        }
    }

    private static void Check(byte[][] vectors, Action<ReadOnlySequence<byte>> parse, [CallerMemberName] string parser = "")
    {
        Gen<Mutation> mutation =
            from kind in Gen.Choose(0, 5)
            from position in Gen.Choose(0, 1 << 16)
            from length in Gen.Frequency((3, Gen.Choose(1, 4)), (1, Gen.Choose(1, 300)))
            from value in Gen.Frequency((1, Gen.Elements(Interesting)), (1, Gen.Choose(0, 255).Select(i => (byte)i)))
            select new Mutation(kind, position, length, value);

        Gen<(byte[] Data, int[] Cuts)> input =
            from vector in Gen.Elements(vectors)
            from mutations in Gen.Choose(0, 6).SelectMany(n => Gen.ListOf(mutation, n))
            from cuts in Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Gen.Choose(1, 1 << 12), n))
            select (mutations.Aggregate(vector, (data, m) => m.Apply(data)), cuts);

        using FuzzTally tally = FuzzRun.Start(parser);
        Property property = Prop.ForAll(input.ToArbitrary(), sample =>
        {
            ReadOnlySequence<byte> sequence = Segments.Split(sample.Data, sample.Cuts);
            FuzzRun.Case(tally, sample.Data, MutationProperties.AllocationBound(sample.Data.Length), () => parse(sequence), typeof(MmsProtocolException));
        });
        FsCheck.Check.One(Runs, property);
    }

    private sealed record Mutation(int Kind, int Position, int Length, byte Value)
    {
        public byte[] Apply(byte[] data)
        {
            if (data.Length == 0) return [Value];
            int at = Position % data.Length;
            int length = Math.Min(Length, data.Length - at);
            return Kind switch
            {
                0 or 1 => [.. data[..at], Value, .. data[(at + 1)..]],
                2 => [.. data[..at], .. Enumerable.Repeat(Value, Length), .. data[at..]],
                3 => [.. data[..at], .. data[(at + length)..]],
                4 => data[..at],
                _ => [.. data[..(at + length)], .. data[at..]],
            };
        }
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[][] HeadVectors() =>
    [
        Ascii(RtspHeadParserTests.WmpDescribe),
        Ascii(RtspHeadParserTests.WmsDescribeAnswer),
        Ascii(RtspHeadParserTests.EndOfStreamRequest),
        Ascii("SETUP rtsp://h/a.wmv/stream=1 RTSP/1.0\r\nCSeq: 3\r\nSession: 1234;timeout=60\r\n" +
            "Transport: RTP/AVP/UDP;unicast;client_port=5000-5001;ssrc=0000ABCD;mode=play, RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n"),
        Ascii("RTSP/1.0 200 OK\r\nCSeq: 5\r\nSession: 1234;timeout=60\r\nRange: npt=3.100-173.903\r\n" +
            "RTP-Info: url=rtsp://h/a.wmv/stream=1;seq=17;rtptime=0,url=rtsp://h/a.wmv/stream=2;seq=17;rtptime=0\r\nX-Notice: 2104 \"Idle\"\r\n\r\n"),
        Ascii("RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm=\"r\", nonce=\"abc\", qop=\"auth\", stale=true\r\n" +
            "WWW-Authenticate: Basic realm=\"r\"\r\n\r\n" +
            "DESCRIBE rtsp://h/a RTSP/1.0\r\nCSeq: 2\r\nAuthorization: Digest username=\"u\", realm=\"r\", nonce=\"abc\", uri=\"rtsp://h/a\", response=\"0123\", qop=auth, nc=00000001, cnonce=\"x\"\r\n\r\n" +
            "OPTIONS * RTSP/1.0\r\nCSeq: 3\r\nAuthorization: Basic TXVmYXNhOkNpcmNsZSBPZiBMaWZl\r\n\r\n"),
    ];

    private static byte[][] ConnectionVectors()
    {
        byte[] rtp = AsfRtpRoundTripTests.Rtp(7, true, AsfRtpRoundTripTests.Unit(AsfPayloadFlags.Length, 12, new byte[8]));
        byte[] rtcp = [0x81, 0xC9, 0x00, 0x07, .. new byte[28], 0x81, 0xCB, 0x00, 0x01, 1, 2, 3, 4];
        var frames = new byte[4 + rtp.Length + 4 + rtcp.Length + 8];
        int at = RtspInterleaved.Write(frames, 0, rtp);
        at += RtspInterleaved.Write(frames.AsSpan(at), 1, rtcp);
        RtspInterleaved.Write(frames.AsSpan(at), RtspInterleaved.PacketPairChannel, new byte[4]);
        return
        [
            [.. frames, .. Ascii(RtspHeadParserTests.EndOfStreamRequest), .. frames],
            [.. Ascii("RTSP/1.0 200 OK\r\nCSeq: 4\r\n\r\n"), .. frames, .. Ascii("\r\nGET_PARAMETER rtsp://h/a RTSP/1.0\r\nCSeq: 9\r\n\r\n")],
        ];
    }

    private static byte[][] RtpStreamVectors()
    {
        var vectors = new List<byte[]>();
        if (!SharedMedia.IsAvailable)
        {
            byte[] packet = new byte[1000];
            packet[0] = 0x82;
            vectors.Add(Stream([packet], AsfRtpPacketizer.MaxTcpRtpPayload));
            return [.. vectors];
        }

        foreach (string name in new[] { "wine_wmvcore_test.wmv", "mm_elephant.asf", "audioscan_wmv92-with-audio.wmv" })
        {
            var (_, _, packets) = RtspMedia.Load(name, 4);
            vectors.Add(Stream(packets, AsfRtpPacketizer.MaxTcpRtpPayload));
            vectors.Add(Stream(packets[..2], 700));
            // Several packets in one RTP packet under each reading of L (docs/protocol/rtsp.md#s4.3).
            foreach (int extra in new[] { 4, 0 })
            {
                byte[] rtp = AsfRtpRoundTripTests.Rtp(900, true, [.. packets[..3].Select(p => AsfRtpRoundTripTests.Unit(AsfPayloadFlags.Length, p.Length + extra, p))]);
                var frame = new byte[4 + rtp.Length];
                RtspInterleaved.Write(frame, 0, rtp);
                vectors.Add(frame);
            }
        }

        return [.. vectors];
    }

    private static byte[] Stream(byte[][] packets, int maxPayload)
    {
        var packetizer = new AsfRtpPacketizer(0x11223344, 65533, maxRtpPayload: maxPayload);
        var output = new List<byte>();
        foreach (var packet in packets)
        {
            var buffer = new byte[AsfRtpPacketizer.MaxOutputSize(packet.Length, maxPayload)];
            int written = packetizer.PacketizeInterleaved(packet, 3100, true, 0, buffer);
            output.AddRange(buffer.AsSpan(0, written).ToArray());
        }

        return [.. output];
    }

    private static byte[][] SdpVectors()
    {
        var vectors = new List<byte[]>
        {
            Ascii("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=<No Title>\r\nc=IN IP4 0.0.0.0\r\nb=AS:1091\r\na=maxps:13632\r\nt=0 0\r\n" +
                "a=control:rtsp://server/path/file.wmv/\r\na=range:npt=3.100-173.903\r\na=recvonly\r\n" +
                "a=pgmpu:data:application/vnd.ms.wms-hdr.asfv1;base64,MCaydY5mzxGm2QCqAGLObA==\r\n" +
                "m=audio 0 RTP/AVP 96\r\nb=AS:35\r\na=rtpmap:96 x-asf-pf/1000\r\na=control:audio\r\na=stream:1\r\n" +
                "m=application 0 RTP/AVP 96\r\na=rtpmap:96 x-wms-rtx/1000\r\na=control:rtx\r\na=stream:65536\r\n"),
        };
        if (SharedMedia.IsAvailable)
        {
            foreach (string name in new[] { "wine_wmvcore_test.wmv", "audioscan_wma-live.wma" })
            {
                byte[] file = File.ReadAllBytes(SharedMedia.Path("asf", name));
                vectors.Add(Ascii(WmsSdpWriter.Write(new WmsSdpOptions { AsfHeader = file, ControlUrl = "rtsp://127.0.0.1/" + name + "/" })));
            }
        }

        return [.. vectors];
    }

    private static byte[][] BodyVectors()
    {
        var nack = new byte[64];
        int length = RtcpGenericNack.Write(nack, 1, 2, [1, 2, 5, 40]);
        return
        [
            new WmsEndOfStream { SessionId = "12345678901234567890", EndOfFile = true, RecedingEos = true }.Format(),
            WmsStreamSwitch.Format([new(1, 2, 0, "rtsp://h/a/audio", "rtsp://h/a/audio=2"), new(WmsStreamSwitchEntry.NoStream, 3, 1, null, "rtsp://h/a/v")]),
            nack[..length],
            [0x81, 0xC9, 0x00, 0x07, .. new byte[28], 0x81, 0xCB, 0x00, 0x01, 1, 2, 3, 4],
        ];
    }
}
