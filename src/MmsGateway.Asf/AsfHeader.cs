using MmsGateway.Asf.Objects;

namespace MmsGateway.Asf;

/// <summary>
/// A parsed ASF Header Object: the typed objects a streamer needs plus the raw bytes, so the header can be
/// rewritten for a subset of streams without losing what we do not interpret (unknown objects are kept opaque).
/// </summary>
public sealed class AsfHeader
{
    /// <summary>The Header Object exactly as read.</summary>
    public required ReadOnlyMemory<byte> Raw { get; init; }

    public required FileProperties FileProperties { get; init; }

    /// <summary>Every stream, top-level and embedded in Extended Stream Properties, ordered by number.</summary>
    public required IReadOnlyList<StreamProperties> Streams { get; init; }

    public required IReadOnlyList<ExtendedStreamProperties> ExtendedStreams { get; init; }
    public required IReadOnlyList<StreamBitrate> Bitrates { get; init; }
    public required IReadOnlyList<MutualExclusion> MutualExclusions { get; init; }
    public required IReadOnlyList<GroupMutualExclusion> GroupMutualExclusions { get; init; }
    public required IReadOnlyList<StreamPriority> Priorities { get; init; }
    public required IReadOnlyList<BandwidthSharing> BandwidthSharing { get; init; }
    public required IReadOnlyList<CodecEntry> Codecs { get; init; }
    public ContentDescription? ContentDescription { get; init; }
    public required IReadOnlyList<ContentDescriptor> ExtendedContent { get; init; }
    public required IReadOnlyList<ScriptCommand> ScriptCommands { get; init; }
    public required IReadOnlyList<AsfMarker> Markers { get; init; }
    public required AsfProtection Protection { get; init; }
    public ContentEncryptionInfo? ContentEncryption { get; init; }

    /// <summary>The top-level children, offsets relative to <see cref="Raw"/>.</summary>
    public required IReadOnlyList<AsfObjectSpan> Objects { get; init; }

    /// <summary>The Header Extension's children, offsets relative to <see cref="Raw"/>.</summary>
    public required IReadOnlyList<AsfObjectSpan> ExtensionObjects { get; init; }

    /// <summary>Objects this library does not interpret (kept as opaque bytes in <see cref="Raw"/>).</summary>
    public IEnumerable<AsfObjectSpan> UnknownObjects =>
        Objects.Concat(ExtensionObjects).Where(o => AsfGuids.NameOf(o.Id).Contains('-', StringComparison.Ordinal));

    public int PacketSize => FileProperties.PacketSize;
    public bool IsBroadcast => FileProperties.IsBroadcast;

    public StreamProperties? FindStream(int number)
    {
        foreach (var s in Streams)
            if (s.StreamNumber == number) return s;
        return null;
    }

    public ExtendedStreamProperties? FindExtendedStream(int number)
    {
        foreach (var s in ExtendedStreams)
            if (s.StreamNumber == number) return s;
        return null;
    }

    /// <summary>Every stream number as a set.</summary>
    public AsfStreamSet AllStreams
    {
        get
        {
            var set = AsfStreamSet.None;
            foreach (var s in Streams) set = set.With(s.StreamNumber);
            return set;
        }
    }

    /// <summary>
    /// The declared bitrate of a stream and where it came from: Stream Bitrate Properties, then Extended Stream
    /// Properties, then the audio format's byte rate. Null when the header carries none (ffmpeg-written files:
    /// docs/design.md#test-media) — then it has to be measured from the packets.
    /// </summary>
    private const uint MinimumPlausibleAudioByteRate = 250;

    public (uint Bitrate, BitrateSource Source)? DeclaredBitrate(int streamNumber)
    {
        foreach (var b in Bitrates)
            if (b.StreamNumber == streamNumber && b.AverageBitrate > 0) return (b.AverageBitrate, BitrateSource.StreamBitrateProperties);
        if (FindExtendedStream(streamNumber) is { DataBitrate: > 0 } ext) return (ext.DataBitrate, BitrateSource.ExtendedStreamProperties);
        // Early encoders left placeholder byte rates in WAVEFORMATEX (mm_elephant.asf says 16 B/s); no audio codec
        // streams below 2 kbps, so such a value is ignored and the bitrate is measured instead.
        if (FindStream(streamNumber)?.Audio is { AverageBytesPerSecond: >= MinimumPlausibleAudioByteRate } audio)
            return (audio.AverageBytesPerSecond * 8, BitrateSource.AudioFormat);
        return null;
    }
}

public enum BitrateSource
{
    StreamBitrateProperties,
    ExtendedStreamProperties,
    AudioFormat,
    Measured,
}
