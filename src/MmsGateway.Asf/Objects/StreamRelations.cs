namespace MmsGateway.Asf.Objects;

/// <summary>One record of the Stream Bitrate Properties object (docs/protocol/asf.md#s4.7): a stream's average bitrate in bps.</summary>
public sealed record StreamBitrate(int StreamNumber, uint AverageBitrate);

public enum MutualExclusionKind
{
    Unknown,
    Language,
    Bitrate,
}

/// <summary>
/// Bitrate Mutual Exclusion (top level) or Advanced Mutual Exclusion (header extension): exactly one of
/// <see cref="StreamNumbers"/> may be played at a time (docs/protocol/asf.md#s4.7, docs/protocol/asf.md#s4.11).
/// </summary>
public sealed record MutualExclusion(MutualExclusionKind Kind, IReadOnlyList<int> StreamNumbers, bool IsAdvanced);

/// <summary>Group Mutual Exclusion: exactly one group of streams is played (docs/protocol/asf.md#s4.7).</summary>
public sealed record GroupMutualExclusion(MutualExclusionKind Kind, IReadOnlyList<IReadOnlyList<int>> Groups);

/// <summary>A Stream Prioritization record, in descending priority; mandatory streams are never dropped (docs/protocol/asf.md#s4.7).</summary>
public sealed record StreamPriority(int StreamNumber, bool IsMandatory);

/// <summary>Bandwidth Sharing: the listed streams together never exceed <see cref="DataBitrate"/> (docs/protocol/asf.md#s4.7).</summary>
public sealed record BandwidthSharing(bool IsExclusive, uint DataBitrate, uint BufferSizeMs, IReadOnlyList<int> StreamNumbers);

internal static class StreamRelationReaders
{
    public static List<StreamBitrate> ReadBitrates(ReadOnlySpan<byte> obj, long offset)
    {
        var r = new AsfSpanReader(obj, offset, "Stream Bitrate Properties");
        r.Skip(24, "object header");
        var count = r.ReadUInt16("Bitrate Records Count");
        var records = new List<StreamBitrate>(Math.Min((int)count, 128));
        for (var i = 0; i < count; i++)
            records.Add(new StreamBitrate(r.ReadUInt16("Flags") & 0x7F, r.ReadUInt32("Average Bitrate")));
        return records;
    }

    public static MutualExclusion ReadMutualExclusion(ReadOnlySpan<byte> obj, long offset, bool advanced)
    {
        var r = new AsfSpanReader(obj, offset, advanced ? "Advanced Mutual Exclusion" : "Bitrate Mutual Exclusion");
        r.Skip(24, "object header");
        var kind = KindOf(r.ReadGuid("Exclusion Type"));
        return new MutualExclusion(kind, ReadStreamList(ref r), advanced);
    }

    public static GroupMutualExclusion ReadGroupMutualExclusion(ReadOnlySpan<byte> obj, long offset)
    {
        var r = new AsfSpanReader(obj, offset, "Group Mutual Exclusion");
        r.Skip(24, "object header");
        var kind = KindOf(r.ReadGuid("Exclusion Type"));
        var count = r.ReadUInt16("Records Count");
        var groups = new List<IReadOnlyList<int>>(Math.Min((int)count, 128));
        for (var i = 0; i < count; i++) groups.Add(ReadStreamList(ref r));
        return new GroupMutualExclusion(kind, groups);
    }

    public static List<StreamPriority> ReadPrioritization(ReadOnlySpan<byte> obj, long offset)
    {
        var r = new AsfSpanReader(obj, offset, "Stream Prioritization");
        r.Skip(24, "object header");
        var count = r.ReadUInt16("Priority Records Count");
        var records = new List<StreamPriority>(Math.Min((int)count, 128));
        for (var i = 0; i < count; i++)
            records.Add(new StreamPriority(r.ReadUInt16("Stream Number") & 0x7F, (r.ReadUInt16("Priority Flags") & 1) != 0));
        return records;
    }

    public static BandwidthSharing ReadBandwidthSharing(ReadOnlySpan<byte> obj, long offset)
    {
        var r = new AsfSpanReader(obj, offset, "Bandwidth Sharing");
        r.Skip(24, "object header");
        var type = r.ReadGuid("Sharing Type");
        var bitrate = r.ReadUInt32("Data Bitrate");
        var buffer = r.ReadUInt32("Buffer Size");
        return new BandwidthSharing(type == AsfGuids.BandwidthSharingExclusive, bitrate, buffer, ReadStreamList(ref r));
    }

    private static List<int> ReadStreamList(ref AsfSpanReader r)
    {
        var count = r.ReadUInt16("Stream Numbers Count");
        var streams = new List<int>(Math.Min((int)count, 128));
        for (var i = 0; i < count; i++) streams.Add(r.ReadUInt16("Stream Number") & 0x7F);
        return streams;
    }

    private static MutualExclusionKind KindOf(Guid type) =>
        type == AsfGuids.MutexBitrate ? MutualExclusionKind.Bitrate
        : type == AsfGuids.MutexLanguage ? MutualExclusionKind.Language
        : MutualExclusionKind.Unknown;
}
