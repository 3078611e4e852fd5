using System.Buffers.Binary;

namespace MmsGateway.Hls.Fmp4;

/// <summary>What one track contributes to a fragment: its decode time span and whether it starts at a sync sample.</summary>
public readonly record struct FragmentTrack(uint TrackId, ulong BaseDecodeTime, ulong Duration, int SampleCount, bool StartsWithSync);

/// <summary>
/// One <c>moof</c> + <c>mdat</c> pair (a CMAF chunk): the bytes as they came, and per track the timing and the
/// first sample's sync flag, read from <c>tfhd</c>/<c>tfdt</c>/<c>trun</c> (with <c>trex</c> defaults and
/// <c>sdtp</c> where present).
/// </summary>
public sealed class Fmp4Fragment
{
    public Fmp4Fragment(byte[] data, IReadOnlyList<FragmentTrack> tracks)
    {
        Data = data;
        Tracks = tracks;
    }

    public byte[] Data { get; }
    public IReadOnlyList<FragmentTrack> Tracks { get; }

    public FragmentTrack? Track(uint trackId)
    {
        foreach (var t in Tracks)
            if (t.TrackId == trackId) return t;
        return null;
    }

    // trun flags (ISO 14496-12 §8.8.8)
    private const uint DataOffsetPresent = 0x1;
    private const uint FirstSampleFlagsPresent = 0x4;
    private const uint SampleDurationPresent = 0x100;
    private const uint SampleSizePresent = 0x200;
    private const uint SampleFlagsPresent = 0x400;
    private const uint SampleCtoPresent = 0x800;

    // tfhd flags (§8.8.7)
    private const uint BaseDataOffsetPresent = 0x1;
    private const uint SampleDescriptionIndexPresent = 0x2;
    private const uint DefaultDurationPresent = 0x8;
    private const uint DefaultSizePresent = 0x10;
    private const uint DefaultFlagsPresent = 0x20;

    /// <summary>A sample's flags say sync when <c>sample_is_non_sync_sample</c> is clear (§8.8.3.1).</summary>
    public static bool IsSync(uint sampleFlags) => (sampleFlags & 0x0001_0000) == 0;

    /// <summary>Parses the <c>moof</c> at the start of <paramref name="data"/> (followed by its <c>mdat</c>).</summary>
    public static Fmp4Fragment Parse(byte[] data, Fmp4Init init)
    {
        var moof = Mp4Boxes.Find(data, BoxType.Moof);
        if (moof.IsEmpty) throw new Mp4FormatException("a fragment has no 'moof' box");
        var tracks = new List<FragmentTrack>(2);
        var boxes = new Mp4Boxes(moof);
        while (boxes.MoveNext())
        {
            if (boxes.Type == BoxType.Traf) tracks.Add(ParseTraf(boxes.Body, init));
        }
        return new Fmp4Fragment(data, tracks);
    }

    private static FragmentTrack ParseTraf(ReadOnlySpan<byte> traf, Fmp4Init init)
    {
        var tfhd = Mp4Boxes.Find(traf, BoxType.Tfhd);
        if (tfhd.Length < 8) throw new Mp4FormatException("a 'traf' has no valid 'tfhd'");
        var tfFlags = BinaryPrimitives.ReadUInt32BigEndian(tfhd) & 0xFFFFFF;
        var trackId = BinaryPrimitives.ReadUInt32BigEndian(tfhd[4..]);
        var track = init.Find(trackId);
        uint defaultDuration = track?.DefaultSampleDuration ?? 0, defaultFlags = track?.DefaultSampleFlags ?? 0;
        var o = 8;
        if ((tfFlags & BaseDataOffsetPresent) != 0) o += 8;
        if ((tfFlags & SampleDescriptionIndexPresent) != 0) o += 4;
        if ((tfFlags & DefaultDurationPresent) != 0)
        {
            defaultDuration = ReadU32(tfhd, o);
            o += 4;
        }
        if ((tfFlags & DefaultSizePresent) != 0) o += 4;
        if ((tfFlags & DefaultFlagsPresent) != 0) defaultFlags = ReadU32(tfhd, o);

        ulong baseTime = 0;
        var tfdt = Mp4Boxes.Find(traf, BoxType.Tfdt);
        if (tfdt.Length >= 8) baseTime = tfdt[0] == 1 && tfdt.Length >= 12 ? BinaryPrimitives.ReadUInt64BigEndian(tfdt[4..]) : BinaryPrimitives.ReadUInt32BigEndian(tfdt[4..]);

        ulong duration = 0;
        var samples = 0;
        bool? firstSync = null;
        var runs = new Mp4Boxes(traf);
        while (runs.MoveNext())
        {
            if (runs.Type != BoxType.Trun) continue;
            var trun = runs.Body;
            if (trun.Length < 8) throw new Mp4FormatException("a 'trun' is truncated");
            var flags = BinaryPrimitives.ReadUInt32BigEndian(trun) & 0xFFFFFF;
            var count = (int)BinaryPrimitives.ReadUInt32BigEndian(trun[4..]);
            var p = 8;
            if ((flags & DataOffsetPresent) != 0) p += 4;
            uint? firstFlags = null;
            if ((flags & FirstSampleFlagsPresent) != 0)
            {
                firstFlags = ReadU32(trun, p);
                p += 4;
            }
            var perSample = (((flags & SampleDurationPresent) != 0) ? 4 : 0) + (((flags & SampleSizePresent) != 0) ? 4 : 0)
                + (((flags & SampleFlagsPresent) != 0) ? 4 : 0) + (((flags & SampleCtoPresent) != 0) ? 4 : 0);
            if (count < 0 || (long)p + (long)perSample * count > trun.Length) throw new Mp4FormatException("a 'trun' is truncated");
            for (var i = 0; i < count; i++)
            {
                var q = p + i * perSample;
                uint sampleDuration = defaultDuration, sampleFlags = defaultFlags;
                if ((flags & SampleDurationPresent) != 0)
                {
                    sampleDuration = ReadU32(trun, q);
                    q += 4;
                }
                if ((flags & SampleSizePresent) != 0) q += 4;
                if ((flags & SampleFlagsPresent) != 0) sampleFlags = ReadU32(trun, q);
                if (i == 0 && firstFlags is { } ff) sampleFlags = ff;
                if (samples == 0 && i == 0) firstSync = IsSync(sampleFlags);
                duration += sampleDuration;
            }
            samples += count;
        }
        // sdtp (§8.6.4): sample_depends_on == 2 marks an I picture, 1 a dependent one.
        var sdtp = Mp4Boxes.Find(traf, BoxType.Sdtp);
        if (sdtp.Length >= 5)
        {
            var dependsOn = (sdtp[4] >> 4) & 0x3;
            if (dependsOn == 2) firstSync = true;
            else if (dependsOn == 1) firstSync = false;
        }
        return new FragmentTrack(trackId, baseTime, duration, samples, samples > 0 && (firstSync ?? true));
    }

    private static uint ReadU32(ReadOnlySpan<byte> span, int offset)
    {
        if (offset + 4 > span.Length) throw new Mp4FormatException("a fragment box is truncated");
        return BinaryPrimitives.ReadUInt32BigEndian(span[offset..]);
    }
}
