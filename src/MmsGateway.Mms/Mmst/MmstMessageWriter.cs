using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// Writes one message as one command packet (one message per TcpMessageHeader: MS-MMSP 3.1.5.1/3.2.5.2; every open
/// client parses only one, docs/protocol/mmst.md#s1.2), zero-padded to a multiple of 8.
/// </summary>
public static class MmstMessageWriter
{
    public static int PacketLength<TMessage>(in TMessage message)
        where TMessage : struct, IMmstMessage<TMessage>
        => MmstMessageHeader.PacketLengthFor(message.BodyLength);

    public static void Write<TMessage>(IBufferWriter<byte> writer, in TMessage message, int seq)
        where TMessage : struct, IMmstMessage<TMessage>
    {
        ArgumentNullException.ThrowIfNull(writer);
        int length = PacketLength(message);
        Write(writer.GetSpan(length), message, seq);
        writer.Advance(length);
    }

    /// <summary>Writes the packet at the start of <paramref name="destination"/> and returns its length.</summary>
    public static int Write<TMessage>(Span<byte> destination, in TMessage message, int seq)
        where TMessage : struct, IMmstMessage<TMessage>
    {
        int length = PacketLength(message);
        if (destination.Length < length)
        {
            throw new ArgumentException($"{TMessage.MessageId} needs {length} bytes.", nameof(destination));
        }

        Span<byte> packet = destination[..length];
        packet[MmstMessageHeader.Size..].Clear(); // padding and reserved fields are zero
        MmstMessageHeader.Write(packet, TMessage.MessageId, seq);
        message.WriteBody(packet[MmstMessageHeader.Size..]);
        return length;
    }

    /// <summary>Convenience for tests and the control path: the packet as a new array.</summary>
    public static byte[] ToArray<TMessage>(in TMessage message, int seq)
        where TMessage : struct, IMmstMessage<TMessage>
    {
        var packet = new byte[PacketLength(message)];
        Write(packet.AsSpan(), message, seq);
        return packet;
    }
}
