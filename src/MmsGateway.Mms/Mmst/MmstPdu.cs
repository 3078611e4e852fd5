using System.Buffers;

namespace MmsGateway.Mms.Mmst;

public enum MmstPduKind
{
    /// <summary>TcpMessageHeader + one MMS message.</summary>
    Command,

    /// <summary>8-byte preheader + ASF header piece, ASF data packet or packet-pair filler.</summary>
    Data,
}

/// <summary>
/// One unit of the MMST control connection as cut by <see cref="MmstFraming.TryReadPdu"/>. The sequences point into
/// the caller's buffer and are valid only until the caller advances past it.
/// </summary>
public readonly struct MmstPdu
{
    private readonly MmstMessageHeader _command;
    private readonly MmsDataPacketHeader _data;

    private MmstPdu(MmstPduKind kind, ReadOnlySequence<byte> packet, MmstMessageHeader command, MmsDataPacketHeader data)
    {
        Kind = kind;
        Packet = packet;
        _command = command;
        _data = data;
    }

    public MmstPduKind Kind { get; }

    /// <summary>The whole PDU, header included.</summary>
    public ReadOnlySequence<byte> Packet { get; }

    public bool IsCommand => Kind == MmstPduKind.Command;

    public MmstMessageHeader CommandHeader => IsCommand
        ? _command
        : throw new InvalidOperationException("A data packet has no command header.");

    public MmstMessageId MessageId => CommandHeader.MessageId;

    /// <summary>The message body: everything after chunkLen and MID (message offset 8, absolute 40).</summary>
    public ReadOnlySequence<byte> Body => Packet.Slice(IsCommand
        ? MmstMessageHeader.Size
        : throw new InvalidOperationException("A data packet has no message body."));

    public MmsDataPacketHeader DataHeader => IsCommand
        ? throw new InvalidOperationException("A command packet has no data preheader.")
        : _data;

    /// <summary>The data packet payload after the 8-byte preheader.</summary>
    public ReadOnlySequence<byte> Payload => Packet.Slice(IsCommand
        ? throw new InvalidOperationException("A command packet has no data payload.")
        : MmsDataPacketHeader.Size);

    internal static MmstPdu Command(ReadOnlySequence<byte> packet, MmstMessageHeader header) =>
        new(MmstPduKind.Command, packet, header, default);

    internal static MmstPdu Data(ReadOnlySequence<byte> packet, MmsDataPacketHeader header) =>
        new(MmstPduKind.Data, packet, default, header);

    /// <summary>
    /// Parses the body as <typeparamref name="TMessage"/>. Command packets are control traffic, so a body split over
    /// buffer segments is copied once rather than parsed piecewise.
    /// </summary>
    public TMessage ReadMessage<TMessage>()
        where TMessage : struct, IMmstMessage<TMessage>
    {
        if (MessageId != TMessage.MessageId)
        {
            throw new InvalidOperationException($"The packet carries {MessageId}, not {TMessage.MessageId}.");
        }

        ReadOnlySequence<byte> body = Body;
        return TMessage.Read(body.IsSingleSegment ? body.FirstSpan : body.ToArray());
    }
}
