using System.Buffers;

namespace MmsGateway.Mms.Mmsh;

/// <summary>
/// One <c>$X</c> packet of an MMSH response body as cut by <see cref="MmshFraming.TryReadChunk"/>. The payload
/// points into the caller's buffer and is valid only until the caller advances past it.
/// </summary>
public readonly struct MmshChunk
{
    internal MmshChunk(byte frame, MmshChunkType type, ushort packetLength, MmsDataPacketHeader preheader,
        ReadOnlySequence<byte> payload, uint reason)
    {
        Frame = frame;
        Type = type;
        PacketLength = packetLength;
        Preheader = preheader;
        Payload = payload;
        Reason = reason;
    }

    /// <summary>The raw first byte: 0x24, or 0xA4 when the B ("next packet follows immediately") bit is set.</summary>
    public byte Frame { get; }

    public bool FollowsImmediately => (Frame & 0x80) != 0;

    public MmshChunkType Type { get; }

    /// <summary>Bytes after the 4-byte framing header; the length this reader trusts (like ffmpeg and libmms).</summary>
    public ushort PacketLength { get; }

    public bool HasPreheader => HasPreheaderType(Type);

    /// <summary>
    /// The MMS data packet preheader of <c>$H</c>, <c>$D</c> and <c>$M</c> (default otherwise). Its PacketSize should
    /// equal <see cref="PacketLength"/> but is not relied on: vlc trusts one, ffmpeg the other (docs/protocol/mmsh.md#s2.5).
    /// </summary>
    public MmsDataPacketHeader Preheader { get; }

    /// <summary>After the preheader for <c>$H</c>/<c>$D</c>/<c>$M</c>; everything after the length otherwise.</summary>
    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>The u32 reason of <c>$E</c> and <c>$C</c>; 0 for other types.</summary>
    public uint Reason { get; }

    /// <summary>True for a header piece that ends the ASF header (AFFlags 0x08 or 0x0C).</summary>
    public bool IsFinalHeaderPiece =>
        Type == MmshChunkType.Header && MmsDataPacketFlags.IsFinalHeaderPiece(Preheader.AfFlags);

    internal static bool HasPreheaderType(MmshChunkType type) =>
        type is MmshChunkType.Header or MmshChunkType.Data or MmshChunkType.Metadata;
}
