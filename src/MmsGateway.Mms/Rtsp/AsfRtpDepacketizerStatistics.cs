namespace MmsGateway.Mms.Rtsp;

/// <summary>What an <see cref="AsfRtpDepacketizer"/> has seen and dropped since it was made or reset.</summary>
public readonly record struct AsfRtpDepacketizerStatistics
{
    /// <summary>RTP packets pushed.</summary>
    public long RtpPackets { get; init; }

    /// <summary>Full-size ASF data packets queued for the caller.</summary>
    public long PacketsOut { get; init; }

    /// <summary>Forward jumps of the RTP sequence number.</summary>
    public long SequenceGaps { get; init; }

    /// <summary>RTP packets missing in those jumps.</summary>
    public long LostRtpPackets { get; init; }

    /// <summary>RTP packets older than the last one (late or repeated): dropped.</summary>
    public long LateOrDuplicate { get; init; }

    /// <summary>ASF packets whose fragments did not all arrive (docs/protocol/rtsp.md#s4.4): dropped.</summary>
    public long TornPackets { get; init; }

    /// <summary>ASF packets larger than the header's packet size: dropped.</summary>
    public long OversizePackets { get; init; }

    /// <summary>Fragments whose offset is not the bytes collected so far: their packet is dropped.</summary>
    public long BadOffsets { get; init; }

    /// <summary>RTP payloads whose L lengths fit no reading (docs/protocol/rtsp.md#s4.3): dropped.</summary>
    public long BadLengths { get; init; }

    /// <summary>RTP payloads too short for their payload header, or with no data: dropped.</summary>
    public long MalformedPayloads { get; init; }

    /// <summary>Short ASF packets that could not be re-padded (their own header is malformed): dropped.</summary>
    public long MalformedAsfPackets { get; init; }

    /// <summary>Packets dropped because the caller did not drain the queue.</summary>
    public long QueueOverflows { get; init; }
}
