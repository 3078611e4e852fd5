using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using MmsGateway.Mms.Mmsh;
using MmsGateway.Mms.Mmst;
using MmsGateway.Mms.Mmsu;
using MmsGateway.Mms.Tests.Mmsh;
using MmsGateway.Mms.Tests.Mmst;
using MmsGateway.Testing.Misbehaving;

namespace MmsGateway.Mms.Tests;

/// <summary>
/// One property per parser: valid vectors with random mutations (byte changes, insertions, deletions, truncation,
/// duplicated ranges) split into random segments never make a parser throw anything but
/// <see cref="MmsProtocolException"/>, every read loop ends (each successful read consumes bytes), and no case
/// allocates out of proportion to its input (a length field that lies must not size a buffer). Seed, count and
/// the hang watchdog come from <see cref="FuzzRun"/> (tests/README.md, "Fuzzing").
/// </summary>
public class MutationProperties
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(FuzzRun.Cases(400))
        .WithReplay(Microsoft.FSharp.Core.FSharpOption<Replay>.Some(new Replay(new Rnd(FuzzRun.Seed, 1013904223), null)));

    private static readonly byte[] Interesting =
        [0x00, 0xFF, 0x24, 0x44, 0x48, 0xA4, 0xCE, 0xFA, 0x0B, 0xB0, (byte)'\r', (byte)'\n', (byte)':', (byte)',',
            (byte)'=', (byte)' ', (byte)'"', (byte)'0', (byte)'9', (byte)'f'];

    [Fact]
    public void Mmst_framing_and_message_readers() => Check(MmstVectors(), data =>
    {
        var reader = new SequenceReader<byte>(data);
        ReadLoop(ref reader, static (ref SequenceReader<byte> r) =>
        {
            if (!MmstFraming.TryReadPdu(ref r, out MmstPdu pdu))
            {
                return false;
            }

            if (pdu.IsCommand)
            {
                ReadAnyMessage(pdu);
            }

            return true;
        });
    });

    [Fact]
    public void Mmst_server_side_command_reader() => Check(MmstVectors(), data =>
    {
        var reader = new SequenceReader<byte>(data);
        ReadLoop(ref reader, static (ref SequenceReader<byte> r) =>
        {
            if (!MmstFraming.TryReadCommand(ref r, out MmstPdu pdu))
            {
                return false;
            }

            ReadAnyMessage(pdu);
            return true;
        });
    });

    /// <summary>Each mutated body read as every message type; the case counts as rejected if any reader refused it.</summary>
    [Fact]
    public void Mmst_message_bodies() => Check(MmstBodies(), data =>
    {
        byte[] body = data.ToArray();
        MmsProtocolException? refused = null;
        foreach (MmstMessageId id in Enum.GetValues<MmstMessageId>())
        {
            try
            {
                ReadAnyBody(id, body);
            }
            catch (MmsProtocolException e)
            {
                refused ??= e;
            }
        }

        if (refused is not null)
        {
            throw refused;
        }
    });

    [Fact]
    public void Mmsh_chunk_framing() => Check(MmshBodies(), data =>
    {
        var reader = new SequenceReader<byte>(data);
        ReadLoop(ref reader, static (ref SequenceReader<byte> r) =>
        {
            if (!MmshFraming.TryReadChunk(ref r, out MmshChunk chunk))
            {
                return false;
            }

            _ = chunk.Payload.Length + chunk.Reason + chunk.Preheader.PayloadLength;
            _ = chunk.IsFinalHeaderPiece;
            return true;
        });
    });

    [Fact]
    public void Mmsh_request_parser() => Check(RequestVectors(), data =>
    {
        var reader = new SequenceReader<byte>(data);
        if (!MmshRequest.TryParse(ref reader, out MmshRequest? request))
        {
            return;
        }

        _ = (request.Kind, request.Path, request.Query, request.ClientVersion, request.ClientId, request.ClientGuid,
            request.StreamTimeMs, request.PacketNumber, request.StreamOffset, request.MaxDuration,
            request.StreamSwitchCount, request.Version11Enabled, request.ContentLength, request.RequestContext);
        _ = request.GetStreamSwitchEntries(new HashSet<int> { 1, 2, 10, 16 });
        _ = request.ResolveStartPosition(809, 3200);
        _ = request.ResolveStartPosition(0, 1);
    });

    [Fact]
    public void Mmsh_response_parser() => Check(ResponseVectors(), data =>
    {
        var reader = new SequenceReader<byte>(data);
        if (!MmshResponse.TryParse(ref reader, out MmshResponse? response))
        {
            return;
        }

        _ = (response.StatusCode, response.ReasonPhrase, response.ClientId, response.Timeout, response.ResetStream,
            response.IsBroadcast, response.IsSeekable, response.Location, response.ContentLength, response.IsChunked,
            response.Features.Count);
    });

    [Fact]
    public void Mmsu_resend_request_parser() => Check(MmsuVectors(), data =>
    {
        byte[] datagram = data.ToArray();
        MmsuResendRequest request = MmsuResendRequest.Parse(datagram);
        Assert.Equal(request.Size, 12 + 4 * request.Sequences.Count);
    });

    private delegate bool ReadStep(ref SequenceReader<byte> reader);

    /// <summary>Reads until the parser needs more bytes; a successful read that consumes nothing would loop forever.</summary>
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
            // The segments are built outside the measured part; the parsers may copy what they read (bodies,
            // header text) a few times over, but never size anything by a length field the input does not back.
            ReadOnlySequence<byte> sequence = Segments.Split(sample.Data, sample.Cuts);
            FuzzRun.Case(tally, sample.Data, AllocationBound(sample.Data.Length), () => parse(sequence), typeof(MmsProtocolException));
        });
        FsCheck.Check.One(Runs, property);
    }

    internal static long AllocationBound(int inputLength) => 64L * inputLength + (64 << 10);

    private sealed record Mutation(int Kind, int Position, int Length, byte Value)
    {
        public byte[] Apply(byte[] data)
        {
            if (data.Length == 0)
            {
                return [Value];
            }

            int at = Position % data.Length;
            int length = Math.Min(Length, data.Length - at);
            return Kind switch
            {
                0 or 1 => [.. data[..at], Value, .. data[(at + 1)..]], // change a byte
                2 => [.. data[..at], .. Enumerable.Repeat(Value, Length), .. data[at..]], // insert
                3 => [.. data[..at], .. data[(at + length)..]], // delete
                4 => data[..at], // truncate
                _ => [.. data[..(at + length)], .. data[at..]], // duplicate a range
            };
        }
    }

    private static byte[][] MmstVectors()
    {
        var serverStream = new ArrayBufferWriter<byte>();
        serverStream.Write(Hex.Parse(GoldenTrace.ReportConnectedEx));
        serverStream.Write(Hex.Parse(GoldenTrace.ReportOpenFile));
        MmstFraming.WriteDataPacket(serverStream, 0, 2, MmsDataPacketFlags.HeaderPieceFinal, new byte[40]);
        serverStream.Write(Hex.Parse(GoldenTrace.ReportStartedPlaying));
        MmstFraming.WriteDataPacket(serverStream, 0, 4, 0, new byte[64]);
        serverStream.Write(Hex.Parse(GoldenTrace.Ping));

        byte[][] packets =
        [
            .. new[]
            {
                GoldenTrace.ReportConnectedEx, GoldenTrace.ConnectFunnel, GoldenTrace.ReportConnectedFunnel,
                GoldenTrace.OpenFile, GoldenTrace.ReportOpenFile, GoldenTrace.ReadBlock, GoldenTrace.ReportReadBlock,
                GoldenTrace.StreamSwitch, GoldenTrace.ReportStreamSwitch, GoldenTrace.StartPlaying,
                GoldenTrace.ReportStartedPlaying, GoldenTrace.Ping, GoldenTrace.Pong, GoldenTrace.ReportEndOfStream,
                GoldenTrace.CloseFile,
            }.Select(Hex.Parse),
            MmstMessageWriter.ToArray(ConnectMessage.Create(GoldenTrace.ConnectSubscriber), 0),
            MmstMessageWriter.ToArray(OpenFileMessage.Create("a.wmv").WithBasicCredentials("dXNlcjpwYXNz"), 0),
            MmstMessageWriter.ToArray(SecurityChallengeMessage.ForBasic(1, 2, "realm"), 0),
            MmstMessageWriter.ToArray(new ReportRedirectMessage(0, 1, "mmst://a/b"), 0),
            MmstMessageWriter.ToArray(ReportConnectedExMessage.Create() with { AuthenPackage = "NTLM" }, 0),
            serverStream.WrittenSpan.ToArray(),
        ];
        return packets;
    }

    private static byte[][] MmsuVectors() =>
    [
        Hex.Parse("0d f0 ef be 01 00 00 00 02 00 02 00 05 00 00 00 06 00 00 00"),
        Hex.Parse("0d f0 ef be ff ff ff ff 00 00 01 00 ff ff ff ff"),
    ];

    private static byte[][] MmstBodies() =>
        MmstVectors().Where(p => p.Length >= MmstMessageHeader.Size && p[4] == 0xCE).Select(p => p[MmstMessageHeader.Size..])
            .Append(Hex.Parse("02 00 00 00 ff ff 01 00 00 00 ff ff 02 00 00 00"))
            .ToArray();

    private static byte[][] MmshBodies()
    {
        var writer = new ArrayBufferWriter<byte>();
        MmshFraming.WriteHeader(writer, new byte[300]);
        MmshFraming.WriteData(writer, 5, 0, 0, new byte[200]);
        writer.Write(Hex.Parse("24 58 03 00 aa bb cc  24 50 08 00 f8 01 00 00 01 02 03 04  24 54 00 00"));
        MmshFraming.WriteStreamChange(writer);
        MmshFraming.WriteData(writer, 6, 0, 1, new byte[100]);
        MmshFraming.WriteEndOfStream(writer);
        return [writer.WrittenSpan.ToArray(), Hex.Parse("a4 44 0a 00 02 00 00 00 00 00 0a 00 82 00")];
    }

    private static byte[][] RequestVectors() =>
        new[]
        {
            Captures.FfmpegDescribe, Captures.FfmpegPlay, Captures.VlcDescribe, Captures.VlcPlay,
            Captures.SpecDescribe, Captures.SpecPlay,
            "POST /a HTTP/1.0\r\nUser-Agent: NSPlayer/9.0\r\nPragma: log-line=a b, c\r\nContent-Length: 0\r\n\r\n",
            "OPTIONS * HTTP/1.1\nUser-Agent: NSPlayer/12.0\nX: a\n  folded\n\n",
        }.Select(Encoding.Latin1.GetBytes).ToArray();

    private static byte[][] ResponseVectors()
    {
        var describe = new ArrayBufferWriter<byte>();
        MmshResponseWriter.WriteDescribe(describe, new MmshResponseInfo(1, MmshFeatures.OnDemand) { ResetStream = true }, 10);
        return
        [
            describe.WrittenSpan.ToArray(),
            Encoding.Latin1.GetBytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nPragma: no-cache, " +
                "client-id=2338761264, features=\"\", timeout=60000, Speed=5.000\r\n\r\n"),
            Encoding.Latin1.GetBytes("HTTP/1.0 302\r\nLocation: http://a/b\r\nContent-Length: 0\r\n\r\n"),
        ];
    }

    private static void ReadAnyMessage(MmstPdu pdu)
    {
        ReadOnlySequence<byte> body = pdu.Body;
        ReadAnyBody(pdu.MessageId, body.ToArray());
    }

    /// <summary>The dispatch a client or server does on the MID, touching the derived values too.</summary>
    private static void ReadAnyBody(MmstMessageId id, byte[] body)
    {
        _ = id switch
        {
            MmstMessageId.Connect => ConnectMessage.Read(body).Subscriber,
            MmstMessageId.ConnectFunnel => ConnectFunnelMessage.Read(body).Funnel,
            MmstMessageId.OpenFile => OpenFileMessage.Read(body).BasicCredentials,
            MmstMessageId.StartPlaying => StartPlayingMessage.Read(body).StartPoint,
            MmstMessageId.StopPlaying => StopPlayingMessage.Read(body),
            MmstMessageId.CloseFile => CloseFileMessage.Read(body),
            MmstMessageId.ReadBlock => ReadBlockMessage.Read(body),
            MmstMessageId.FunnelInfo => FunnelInfoMessage.Read(body).PacketPairRequest,
            MmstMessageId.SecurityResponse => SecurityResponseMessage.Read(body).BasicCredentials,
            MmstMessageId.Pong => PongMessage.Read(body),
            MmstMessageId.CancelReadBlock => CancelReadBlockMessage.Read(body),
            MmstMessageId.StartStriding => StartStridingMessage.Read(body).StartPoint,
            MmstMessageId.Logging => LoggingMessage.Read(body),
            MmstMessageId.StreamSwitch => StreamSwitchMessage.Read(body).Entries.Count,
            MmstMessageId.ReportConnectedEx => ReportConnectedExMessage.Read(body),
            MmstMessageId.ReportConnectedFunnel => ReportConnectedFunnelMessage.Read(body),
            MmstMessageId.ReportDisconnectedFunnel => ReportDisconnectedFunnelMessage.Read(body),
            MmstMessageId.ReportStartedPlaying => ReportStartedPlayingMessage.Read(body),
            MmstMessageId.ReportOpenFile => ReportOpenFileMessage.Read(body).IsBroadcast,
            MmstMessageId.ReportStartStriding => ReportStartStridingMessage.Read(body),
            MmstMessageId.ReportReadBlock => ReportReadBlockMessage.Read(body),
            MmstMessageId.ReportFunnelInfo => ReportFunnelInfoMessage.Read(body),
            MmstMessageId.SecurityChallenge => SecurityChallengeMessage.Read(body).TokenText,
            MmstMessageId.Ping => PingMessage.Read(body),
            MmstMessageId.ReportEndOfStream => ReportEndOfStreamMessage.Read(body),
            MmstMessageId.ReportStreamChange => ReportStreamChangeMessage.Read(body),
            MmstMessageId.ReportStreamSwitch => ReportStreamSwitchMessage.Read(body),
            MmstMessageId.ReportRedirect => ReportRedirectMessage.Read(body),
            _ => (object?)null, // unknown MIDs are ignored (docs/protocol/servers.md#s3.1.13)
        };
    }
}
