namespace MmsGateway.Asf.Packets;

/// <summary>
/// The parsed header of one ASF data packet (docs/protocol/asf.md#s4.8): where each field sits, so a filter can rebuild
/// the packet and a re-padder can patch lengths in place. Offsets are from the start of the packet.
/// </summary>
public readonly struct AsfPacket
{
    /// <summary>Bytes of error-correction data including the flags byte (0 when absent, usually 3: <c>82 00 00</c>).</summary>
    public int ErrorCorrectionLength { get; init; }

    public byte LengthTypeFlags { get; init; }
    public byte PropertyFlags { get; init; }

    /// <summary>Packet Length as declared, or the header's packet size when the field is absent.</summary>
    public int PacketLength { get; init; }

    public uint Sequence { get; init; }
    public int PaddingLength { get; init; }

    /// <summary>Send time in milliseconds.</summary>
    public uint SendTime { get; init; }

    /// <summary>Duration in milliseconds.</summary>
    public ushort Duration { get; init; }

    /// <summary>Offset of the Payload Flags byte (multiple payloads) or of the single payload.</summary>
    public int PayloadAreaOffset { get; init; }

    public int PayloadCount { get; init; }

    /// <summary>Offset of the Packet Length field, or -1 when absent.</summary>
    public int PacketLengthFieldOffset { get; init; }

    /// <summary>Offset of the Padding Length field, or -1 when absent.</summary>
    public int PaddingLengthFieldOffset { get; init; }

    public bool HasMultiplePayloads => (LengthTypeFlags & 0x01) != 0;
    public int SequenceType => (LengthTypeFlags >> 1) & 3;
    public int PaddingLengthType => (LengthTypeFlags >> 3) & 3;
    public int PacketLengthType => (LengthTypeFlags >> 5) & 3;
    public int ReplicatedDataLengthType => PropertyFlags & 3;
    public int OffsetIntoMediaObjectLengthType => (PropertyFlags >> 2) & 3;
    public int MediaObjectNumberLengthType => (PropertyFlags >> 4) & 3;
    public int StreamNumberLengthType => (PropertyFlags >> 6) & 3;

    /// <summary>Payload Length Type from the Payload Flags byte (multiple payloads only).</summary>
    public int PayloadLengthType { get; init; }

    /// <summary>Bytes the packet's payloads end at: <c>PacketLength - PaddingLength</c>.</summary>
    public int PayloadEnd => PacketLength - PaddingLength;
}

/// <summary>
/// One payload (docs/protocol/asf.md#s4.8): a fragment of a media object of one stream. <see cref="Start"/>..<see cref="End"/>
/// spans the whole payload including its own header fields, so a filter can copy it verbatim.
/// </summary>
public readonly struct AsfPayload
{
    public int StreamNumber { get; init; }

    /// <summary>Bit 7 of the stream-number byte: the media object is a key frame ("clean point").</summary>
    public bool IsKeyFrame { get; init; }

    public uint MediaObjectNumber { get; init; }

    /// <summary>Offset into the media object; for a compressed payload this field holds the presentation time.</summary>
    public uint OffsetIntoMediaObject { get; init; }

    public int ReplicatedDataOffset { get; init; }
    public int ReplicatedDataLength { get; init; }

    /// <summary>Size of the whole media object (replicated data), 0 when not carried.</summary>
    public uint MediaObjectSize { get; init; }

    /// <summary>Presentation time in ms, including the preroll (docs/protocol/asf.md#s4.8).</summary>
    public uint PresentationTime { get; init; }

    /// <summary>Compressed payload (replicated data length 1): the data is a run of <c>length u8 + object</c> sub-payloads.</summary>
    public bool IsCompressed { get; init; }

    /// <summary>Presentation time delta between sub-payloads of a compressed payload, in ms.</summary>
    public byte PresentationTimeDelta { get; init; }

    public int DataOffset { get; init; }
    public int DataLength { get; init; }

    public int Start { get; init; }
    public int End { get; init; }

    /// <summary>True when this payload begins its media object (offset 0), i.e. a frame can start decoding here.</summary>
    public bool StartsMediaObject => IsCompressed || OffsetIntoMediaObject == 0;
}
