using System.Buffers;
using MmsGateway.Mms.Mmst;

namespace MmsGateway.Mms.Tests.Mmst;

internal static class MmstTestHelpers
{
    public static MmstPdu ReadSinglePdu(ReadOnlySequence<byte> data)
    {
        var reader = new SequenceReader<byte>(data);
        Assert.True(MmstFraming.TryReadPdu(ref reader, out MmstPdu pdu));
        Assert.True(reader.End);
        return pdu;
    }

    public static MmstPdu ReadSinglePdu(byte[] data) => ReadSinglePdu(new ReadOnlySequence<byte>(data));

    /// <summary>The writer must produce the golden bytes and the reader must get the message back from them.</summary>
    public static T AssertGolden<T>(T message, int seq, string dump)
        where T : struct, IMmstMessage<T>
    {
        byte[] expected = Hex.Parse(dump);
        Assert.Equal(expected, MmstMessageWriter.ToArray(message, seq));

        var buffer = new ArrayBufferWriter<byte>();
        MmstMessageWriter.Write(buffer, message, seq);
        Assert.Equal(expected, buffer.WrittenSpan.ToArray());

        MmstPdu pdu = ReadSinglePdu(expected);
        Assert.Equal(MmstPduKind.Command, pdu.Kind);
        Assert.Equal(T.MessageId, pdu.MessageId);
        Assert.Equal((ushort)seq, pdu.CommandHeader.Sequence);
        Assert.Equal((uint)(expected.Length - 32) / 8, pdu.CommandHeader.ChunkLength);
        Assert.Equal(pdu.CommandHeader.MessageLength / 8, pdu.CommandHeader.ChunkCount);
        return pdu.ReadMessage<T>();
    }

    /// <summary>Write then read, through the framing.</summary>
    public static T RoundTrip<T>(T message, int seq = 0)
        where T : struct, IMmstMessage<T>
    {
        byte[] packet = MmstMessageWriter.ToArray(message, seq);
        Assert.Equal(0, packet.Length % 8);
        return ReadSinglePdu(packet).ReadMessage<T>();
    }
}
