using MmsGateway.Asf;

namespace MmsGateway.Origin.Media;

/// <summary>One ASF data packet on its way to a client, with the MMS LocationId it carries (docs/protocol/mmst.md#s1.3).</summary>
public readonly record struct FeedPacket(ReadOnlyMemory<byte> Bytes, uint LocationId);

/// <summary>The packets one session receives, in order. Returns null at the end of on-demand content.</summary>
public interface IPacketFeed : IDisposable
{
    ValueTask<FeedPacket?> NextAsync(CancellationToken cancellationToken);
}

/// <summary>Something the origin serves under a name: an on-demand file or a live broadcast.</summary>
public abstract class OriginMedia
{
    public required string Name { get; init; }
    public required AsfHeader Header { get; init; }

    /// <summary>What MMS sends as the "ASF file header": Header Object + 50 bytes of the Data Object (docs/protocol/mmst.md#s1.3).</summary>
    public required byte[] HeaderBytes { get; init; }

    public abstract bool IsLive { get; }
    public int PacketSize => Header.PacketSize;

    /// <summary>Duration in seconds (0 for live).</summary>
    public abstract double DurationSeconds { get; }

    /// <summary>Packet count (0 for live).</summary>
    public abstract long PacketCount { get; }

    /// <summary>Sum of the stream bitrates, for ReportOpenFile (docs/protocol/mmst.md#s1.5.6).</summary>
    public uint Bitrate => Header.FileProperties.MaximumBitrate is > 0 and < uint.MaxValue
        ? Header.FileProperties.MaximumBitrate
        : (uint)Header.Streams.Sum(s => (long)(Header.DeclaredBitrate(s.StreamNumber)?.Bitrate ?? 0));

    /// <summary>A feed starting at <paramref name="start"/> (ignored for live, which starts at the live point).</summary>
    public abstract IPacketFeed OpenFeed(MediaStart start, AsfStreamSet selectedStreams);
}

/// <summary>Where a play starts: the beginning, a content time, or a packet index (docs/protocol/mmst.md#s1.5.9, docs/protocol/mmsh.md#s2.7).</summary>
public readonly record struct MediaStart(TimeSpan? Time, long? Packet)
{
    public static MediaStart Beginning => default;
    public static MediaStart AtTime(TimeSpan time) => new(time, null);
    public static MediaStart AtPacket(long packet) => new(null, packet);
}
