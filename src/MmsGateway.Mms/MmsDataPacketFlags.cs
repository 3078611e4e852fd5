namespace MmsGateway.Mms;

/// <summary>AFFlags values and special LocationIds of the data packet preheader (docs/protocol/mmst.md#s1.3, docs/protocol/mmsh.md#s2.5).</summary>
public static class MmsDataPacketFlags
{
    /// <summary>
    /// A header piece that is not the last. MS-MMSP uses it on every non-final piece and ffmpeg keeps collecting
    /// header pieces only while it sees this value, so a server sends it on all but the last piece (docs/protocol/mmst.md#s1.3).
    /// </summary>
    public const byte HeaderPieceMore = 0x04;

    /// <summary>The MS-WMSP "middle piece" value. Accepted on read; never written (ffmpeg rejects it).</summary>
    public const byte HeaderPieceMiddle = 0x00;

    /// <summary>The MS-WMSP "last of several" value. Accepted on read as the end of a header.</summary>
    public const byte HeaderPieceLast = 0x08;

    /// <summary>The last (or only) header piece: what a server writes at the end of every header.</summary>
    public const byte HeaderPieceFinal = 0x0C;

    /// <summary>AFFlags of MMSU packet-pair datagrams (docs/protocol/mmsu.md#s1.8).</summary>
    public const byte PacketPair = 0x10;

    /// <summary>Incarnation byte of packet-pair packets and of header pieces after a playlist switch (docs/protocol/mmst.md#s1.6.4).</summary>
    public const byte ServerIncarnation = 0xFF;

    public const uint PacketPairFirstLocationId = 0xF0F0F000;

    public const uint PacketPairSecondLocationId = 0xF0F0F001;

    /// <summary>
    /// True when a header piece with these flags ends the header. Both MS-MMSP (0x0C) and MS-WMSP (0x08 / 0x0C)
    /// conventions are accepted, as libmms does (docs/protocol/mmst.md#s1.3).
    /// </summary>
    public static bool IsFinalHeaderPiece(byte afFlags) => afFlags is HeaderPieceLast or HeaderPieceFinal;
}
