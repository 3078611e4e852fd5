namespace MmsGateway.Mms.Rtsp;

/// <summary>Byte 0 of the x-asf-pf payload format header, S L R D I (MS-RTSP 2.2.1.3; docs/protocol/rtsp.md#s4.2).</summary>
[Flags]
public enum AsfPayloadFlags : byte
{
    None = 0,

    /// <summary>S: the ASF packet holds a key-frame payload.</summary>
    KeyFrame = 0x80,

    /// <summary>L: bytes 1-3 are a length (whole packets), else an offset (a fragment).</summary>
    Length = 0x40,

    /// <summary>R: a 4-byte relative timestamp follows.</summary>
    RelativeTimestamp = 0x20,

    /// <summary>D: a 4-byte duration follows.</summary>
    Duration = 0x10,

    /// <summary>I: a 4-byte location id follows.</summary>
    LocationId = 0x08,
}
