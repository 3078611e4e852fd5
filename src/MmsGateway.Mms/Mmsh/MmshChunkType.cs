namespace MmsGateway.Mms.Mmsh;

/// <summary>The PacketID byte of the 4-byte <c>$X</c> framing header (docs/protocol/mmsh.md#s2.5, MS-WMSP 2.2.3).</summary>
public enum MmshChunkType : byte
{
    /// <summary><c>$H</c>: ASF header piece (preheader follows).</summary>
    Header = (byte)'H',

    /// <summary><c>$D</c>: one ASF data packet (preheader follows).</summary>
    Data = (byte)'D',

    /// <summary><c>$E</c>: end of stream, u32 reason.</summary>
    EndOfStream = (byte)'E',

    /// <summary><c>$C</c>: stream change (next playlist entry), u32 reason.</summary>
    StreamChange = (byte)'C',

    /// <summary><c>$M</c>: metadata text (preheader follows); only for NSPlayer ≥ 9.0.</summary>
    Metadata = (byte)'M',

    /// <summary><c>$P</c>: packet-pair bandwidth probe.</summary>
    PacketPair = (byte)'P',

    /// <summary><c>$T</c>: pipeline test, empty.</summary>
    PipelineTest = (byte)'T',
}

/// <summary>Reason codes of <c>$E</c> and <c>$C</c> (docs/protocol/mmsh.md#s2.5).</summary>
public static class MmshReason
{
    /// <summary><c>$E</c>: finished, nothing more until the next Play.</summary>
    public const uint Finished = 0;

    /// <summary><c>$E</c>: this playlist entry finished; <c>$C</c> and a new header follow.</summary>
    public const uint EntryFinished = 1;

    /// <summary><c>$E</c>: NS_S_EOS_RECEDING, rewind reached the start.</summary>
    public const uint RewindReachedStart = 0x000D_2F09;

    /// <summary><c>$C</c>: change to the next entry.</summary>
    public const uint NextEntry = 0;

    /// <summary><c>$C</c>: change to the previous entry (reverse playlist).</summary>
    public const uint PreviousEntry = 0x400D_14BE;
}
