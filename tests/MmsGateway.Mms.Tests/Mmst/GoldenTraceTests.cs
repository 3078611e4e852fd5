using System.Buffers;
using MmsGateway.Mms.Mmst;
using static MmsGateway.Mms.Tests.Mmst.MmstTestHelpers;

namespace MmsGateway.Mms.Tests.Mmst;

/// <summary>Every packet of the golden on-demand session of docs/protocol/mmst.md#s1.9, written and read back byte for byte.</summary>
public class GoldenTraceTests
{
    [Fact]
    public void Connect_matches_the_shown_prefix_and_total_length()
    {
        var message = ConnectMessage.Create(GoldenTrace.ConnectSubscriber);
        byte[] packet = MmstMessageWriter.ToArray(message, 0);

        byte[] prefix = Hex.Parse(GoldenTrace.ConnectPrefix);
        Assert.Equal(208, packet.Length);
        Assert.Equal(prefix, packet[..prefix.Length]);

        ConnectMessage read = ReadSinglePdu(packet).ReadMessage<ConnectMessage>();
        Assert.Equal(message, read);
        Assert.Equal("NSPlayer", read.Subscriber.Product);
        Assert.Equal(new Version(7, 0, 0, 1956), read.Subscriber.Version);
        Assert.Equal("{c77e7400-738a-11d2-9add-0020af0a3278}", read.Subscriber.ClientGuid);
        Assert.Equal("127.0.0.1", read.Subscriber.Host);
    }

    [Fact]
    public void ReportConnectedEx()
    {
        var message = ReportConnectedExMessage.Create("9.1.1.0");
        ReportConnectedExMessage read = AssertGolden(message, 0, GoldenTrace.ReportConnectedEx);
        Assert.Equal(message, read);
        Assert.Equal(112, Hex.Parse(GoldenTrace.ReportConnectedEx).Length);
    }

    [Fact]
    public void ConnectFunnel()
    {
        var message = ConnectFunnelMessage.Create(new MmstFunnelName(MmstFunnelTransport.Tcp, "192.168.0.1", 1242));
        ConnectFunnelMessage read = AssertGolden(message, 1, GoldenTrace.ConnectFunnel);
        Assert.Equal(message, read);
        Assert.Equal(new MmstFunnelName(MmstFunnelTransport.Tcp, "192.168.0.1", 1242), read.Funnel);
    }

    [Fact]
    public void ReportConnectedFunnel() =>
        Assert.Equal(ReportConnectedFunnelMessage.Accepted(),
            AssertGolden(ReportConnectedFunnelMessage.Accepted(), 1, GoldenTrace.ReportConnectedFunnel));

    [Fact]
    public void OpenFile()
    {
        var message = OpenFileMessage.Create("/test.wmv");
        Assert.Equal("test.wmv", message.FileName);
        OpenFileMessage read = AssertGolden(message, 2, GoldenTrace.OpenFile);
        Assert.Equal(message, read);
        Assert.Null(read.BasicCredentials);
    }

    [Fact]
    public void ReportOpenFile()
    {
        var message = ReportOpenFileMessage.Create(1, MmstFileAttributes.OnDemand, 61.5, 3200, 1234, 128_000, 5000); // echoes OpenFile
        ReportOpenFileMessage read = AssertGolden(message, 2, GoldenTrace.ReportOpenFile);
        Assert.Equal(message, read);
        Assert.Equal(62u, read.FileBlocks);
        Assert.Equal(1u, read.OpenFileId);
    }

    [Fact]
    public void ReadBlock() =>
        Assert.Equal(ReadBlockMessage.Create(), AssertGolden(ReadBlockMessage.Create(), 3, GoldenTrace.ReadBlock));

    [Fact]
    public void ReportReadBlock()
    {
        var message = new ReportReadBlockMessage(MmsHResult.Ok, 2, 0);
        Assert.Equal(message, AssertGolden(message, 3, GoldenTrace.ReportReadBlock));
    }

    [Fact]
    public void Header_pieces_carry_ReadBlock_incarnation_and_04_then_0C()
    {
        var first = MmsDataPacketHeader.ForPayload(0, 2, MmsDataPacketFlags.HeaderPieceMore, 4000);
        var last = MmsDataPacketHeader.ForPayload(1, 2, MmsDataPacketFlags.HeaderPieceFinal, 1000);
        Assert.Equal(Hex.Parse(GoldenTrace.HeaderPiece0), Write(first));
        Assert.Equal(Hex.Parse(GoldenTrace.HeaderPiece1), Write(last));
        Assert.False(MmsDataPacketFlags.IsFinalHeaderPiece(first.AfFlags));
        Assert.True(MmsDataPacketFlags.IsFinalHeaderPiece(last.AfFlags));
    }

    [Fact]
    public void StreamSwitch()
    {
        StreamSwitchEntry[] entries = [StreamSwitchEntry.Select(1), StreamSwitchEntry.Select(2)];
        StreamSwitchMessage read = AssertGolden(new StreamSwitchMessage(entries), 4, GoldenTrace.StreamSwitch);
        Assert.Equal(entries, read.Entries);
    }

    [Fact]
    public void ReportStreamSwitch()
    {
        var message = new ReportStreamSwitchMessage(MmsHResult.Ok);
        Assert.Equal(message, AssertGolden(message, 4, GoldenTrace.ReportStreamSwitch));
    }

    [Fact]
    public void StartPlaying()
    {
        var message = StartPlayingMessage.FromBeginning();
        StartPlayingMessage read = AssertGolden(message, 5, GoldenTrace.StartPlaying);
        Assert.Equal(message, read);
        Assert.Equal(MmstStartPoint.Beginning, read.StartPoint);
    }

    [Fact]
    public void ReportStartedPlaying()
    {
        var message = new ReportStartedPlayingMessage(MmsHResult.Ok, 4, 1, 0);
        Assert.Equal(message, AssertGolden(message, 5, GoldenTrace.ReportStartedPlaying));
    }

    [Fact]
    public void Media_packets_carry_StartPlaying_incarnation_and_a_counter()
    {
        Assert.Equal(Hex.Parse(GoldenTrace.MediaPacket0), Write(MmsDataPacketHeader.ForPayload(0, 4, 0, 3200)));
        Assert.Equal(Hex.Parse(GoldenTrace.MediaPacket1), Write(MmsDataPacketHeader.ForPayload(1, 4, 1, 3200)));
    }

    [Fact]
    public void Ping() => Assert.Equal(new PingMessage(0, 0), AssertGolden(new PingMessage(0, 0), 6, GoldenTrace.Ping));

    [Fact]
    public void Pong() => Assert.Equal(new PongMessage(0, 0), AssertGolden(new PongMessage(0, 0), 6, GoldenTrace.Pong));

    [Fact]
    public void ReportEndOfStream()
    {
        var message = new ReportEndOfStreamMessage(MmsHResult.Ok, 4);
        Assert.Equal(message, AssertGolden(message, 7, GoldenTrace.ReportEndOfStream));
    }

    [Fact]
    public void CloseFile()
    {
        var message = new CloseFileMessage(1, 1);
        Assert.Equal(message, AssertGolden(message, 7, GoldenTrace.CloseFile));
    }

    [Fact]
    public void Pong_worked_example_of_section_1_2() =>
        AssertGolden(new PongMessage(0, 0), 7, GoldenTrace.PongSeq7);

    [Fact]
    public void ReportOpenFile_example_of_section_1_5_6()
    {
        var message = ReportOpenFileMessage.Create(1, MmstFileAttributes.OnDemand, 61.5, 3200, 1234, 128_000, 5000);
        byte[] packet = MmstMessageWriter.ToArray(message, 0);
        byte[] head = Hex.Parse(GoldenTrace.ReportOpenFileExampleHead);
        Assert.Equal(152, packet.Length);
        Assert.Equal(head, packet[..head.Length]);
        Assert.All(packet[head.Length..], b => Assert.Equal(0, b));
        Assert.Equal(message, ReadSinglePdu(packet).ReadMessage<ReportOpenFileMessage>());
    }

    [Fact]
    public void The_whole_server_side_demultiplexes_in_order_even_split_byte_by_byte()
    {
        var stream = new ArrayBufferWriter<byte>();
        void Add(string dump) => stream.Write(Hex.Parse(dump));
        Add(GoldenTrace.ReportConnectedEx);
        Add(GoldenTrace.ReportConnectedFunnel);
        Add(GoldenTrace.ReportOpenFile);
        Add(GoldenTrace.ReportReadBlock);
        MmstFraming.WriteDataPacket(stream, 0, 2, MmsDataPacketFlags.HeaderPieceMore, new byte[4000]);
        MmstFraming.WriteDataPacket(stream, 1, 2, MmsDataPacketFlags.HeaderPieceFinal, new byte[1000]);
        Add(GoldenTrace.ReportStreamSwitch);
        Add(GoldenTrace.ReportStartedPlaying);
        MmstFraming.WriteDataPacket(stream, 0, 4, 0, new byte[3200]);
        MmstFraming.WriteDataPacket(stream, 1, 4, 1, new byte[3200]);
        Add(GoldenTrace.Ping);
        Add(GoldenTrace.ReportEndOfStream);

        var reader = new SequenceReader<byte>(Segments.ByteByByte(stream.WrittenSpan.ToArray()));
        var seen = new List<string>();
        while (MmstFraming.TryReadPdu(ref reader, out MmstPdu pdu))
        {
            seen.Add(pdu.IsCommand
                ? pdu.MessageId.ToString()
                : $"data {pdu.DataHeader.LocationId}/{pdu.DataHeader.PlayIncarnation}/{pdu.Payload.Length}");
        }

        Assert.True(reader.End);
        Assert.Equal(
        [
            "ReportConnectedEx", "ReportConnectedFunnel", "ReportOpenFile", "ReportReadBlock",
            "data 0/2/4000", "data 1/2/1000", "ReportStreamSwitch", "ReportStartedPlaying",
            "data 0/4/3200", "data 1/4/3200", "Ping", "ReportEndOfStream",
        ], seen);
    }

    private static byte[] Write(MmsDataPacketHeader header)
    {
        var bytes = new byte[MmsDataPacketHeader.Size];
        header.Write(bytes);
        Assert.Equal(header, MmsDataPacketHeader.Read(bytes));
        return bytes;
    }
}
