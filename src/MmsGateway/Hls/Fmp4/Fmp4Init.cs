using System.Buffers.Binary;
using System.Globalization;

namespace MmsGateway.Hls.Fmp4;

public enum Mp4TrackKind
{
    Other,
    Video,
    Audio,
}

/// <summary>One track of an init segment: what the fragments refer to by track id.</summary>
public sealed record Mp4Track(
    uint TrackId, Mp4TrackKind Kind, uint Timescale, string? Codec, int Width, int Height, uint DefaultSampleDuration, uint DefaultSampleFlags);

/// <summary>
/// The init segment of a fragmented MP4 (<c>ftyp</c> + <c>moov</c> with an <c>mvex</c>): its bytes, served as
/// <c>EXT-X-MAP</c>, and its tracks with their codec strings in RFC 6381 form (<c>avc1.64001f</c>, <c>mp4a.40.2</c>).
/// </summary>
public sealed class Fmp4Init
{
    public Fmp4Init(byte[] data, IReadOnlyList<Mp4Track> tracks)
    {
        Data = data;
        Tracks = tracks;
    }

    public byte[] Data { get; }
    public IReadOnlyList<Mp4Track> Tracks { get; }

    public Mp4Track? Video => Tracks.FirstOrDefault(t => t.Kind == Mp4TrackKind.Video);
    public Mp4Track? Audio => Tracks.FirstOrDefault(t => t.Kind == Mp4TrackKind.Audio);

    /// <summary>The <c>CODECS</c> attribute value: video first, then audio.</summary>
    public string Codecs => string.Join(",", Tracks.Where(t => t.Codec is not null).OrderBy(t => t.Kind == Mp4TrackKind.Video ? 0 : 1).Select(t => t.Codec));

    public Mp4Track? Find(uint trackId)
    {
        foreach (var t in Tracks)
            if (t.TrackId == trackId) return t;
        return null;
    }

    /// <summary>Parses <c>ftyp</c> + <c>moov</c> (the whole init segment in <paramref name="data"/>).</summary>
    public static Fmp4Init Parse(byte[] data)
    {
        var moov = Mp4Boxes.Find(data, BoxType.Moov);
        if (moov.IsEmpty) throw new Mp4FormatException("the init segment has no 'moov' box");
        var defaults = new Dictionary<uint, (uint Duration, uint Flags)>();
        var mvex = Mp4Boxes.Find(moov, BoxType.Mvex);
        var ex = new Mp4Boxes(mvex);
        while (ex.MoveNext())
        {
            if (ex.Type != BoxType.Trex || ex.Body.Length < 24) continue;
            // version/flags, track_ID, default_sample_description_index, duration, size, flags
            defaults[BinaryPrimitives.ReadUInt32BigEndian(ex.Body[4..])] =
                (BinaryPrimitives.ReadUInt32BigEndian(ex.Body[12..]), BinaryPrimitives.ReadUInt32BigEndian(ex.Body[20..]));
        }
        var tracks = new List<Mp4Track>();
        var boxes = new Mp4Boxes(moov);
        while (boxes.MoveNext())
        {
            if (boxes.Type != BoxType.Trak) continue;
            tracks.Add(ParseTrack(boxes.Body, defaults));
        }
        return new Fmp4Init(data, tracks);
    }

    private static Mp4Track ParseTrack(ReadOnlySpan<byte> trak, Dictionary<uint, (uint Duration, uint Flags)> defaults)
    {
        var tkhd = Mp4Boxes.Find(trak, BoxType.Tkhd);
        if (tkhd.Length < 24) throw new Mp4FormatException("a track has no valid 'tkhd'");
        var trackId = BinaryPrimitives.ReadUInt32BigEndian(tkhd[(tkhd[0] == 1 ? 20 : 12)..]);
        var mdia = Mp4Boxes.Find(trak, BoxType.Mdia);
        var mdhd = Mp4Boxes.Find(mdia, BoxType.Mdhd);
        if (mdhd.Length < 16) throw new Mp4FormatException($"track {trackId} has no valid 'mdhd'");
        var timescale = BinaryPrimitives.ReadUInt32BigEndian(mdhd[(mdhd[0] == 1 ? 20 : 12)..]);
        var hdlr = Mp4Boxes.Find(mdia, BoxType.Hdlr);
        var handler = hdlr.Length >= 12 ? BinaryPrimitives.ReadUInt32BigEndian(hdlr[8..]) : 0;
        var kind = handler switch
        {
            BoxType.Vide => Mp4TrackKind.Video,
            BoxType.Soun => Mp4TrackKind.Audio,
            _ => Mp4TrackKind.Other,
        };
        var stsd = Mp4Boxes.Find(Mp4Boxes.Find(Mp4Boxes.Find(mdia, BoxType.Minf), BoxType.Stbl), BoxType.Stsd);
        string? codec = null;
        int width = 0, height = 0;
        if (stsd.Length > 8)
        {
            var entries = new Mp4Boxes(stsd[8..]); // version/flags, entry_count
            if (entries.MoveNext()) (codec, width, height) = DescribeSampleEntry(entries.Type, entries.Body);
        }
        var (duration, flags) = defaults.GetValueOrDefault(trackId);
        return new Mp4Track(trackId, kind, timescale, codec, width, height, duration, flags);
    }

    private static (string? Codec, int Width, int Height) DescribeSampleEntry(uint type, ReadOnlySpan<byte> entry)
    {
        switch (type)
        {
            case BoxType.Avc1 or BoxType.Avc3 when entry.Length >= 78:
            {
                int width = BinaryPrimitives.ReadUInt16BigEndian(entry[24..]), height = BinaryPrimitives.ReadUInt16BigEndian(entry[26..]);
                var avcC = Mp4Boxes.Find(entry[78..], BoxType.AvcC);
                var prefix = type == BoxType.Avc1 ? "avc1" : "avc3";
                var codec = avcC.Length >= 4
                    ? string.Create(CultureInfo.InvariantCulture, $"{prefix}.{avcC[1]:x2}{avcC[2]:x2}{avcC[3]:x2}")
                    : prefix;
                return (codec, width, height);
            }
            case BoxType.Hvc1 or BoxType.Hev1 when entry.Length >= 78:
                return (type == BoxType.Hvc1 ? "hvc1" : "hev1", BinaryPrimitives.ReadUInt16BigEndian(entry[24..]), BinaryPrimitives.ReadUInt16BigEndian(entry[26..]));
            case BoxType.Mp4a when entry.Length >= 28:
                return (AudioCodec(Mp4Boxes.Find(entry[28..], BoxType.Esds)), 0, 0);
            default:
                return (BoxType.Name(type).Trim(), 0, 0);
        }
    }

    /// <summary><c>mp4a.40.N</c> from the esds descriptors (ISO 14496-1 §7.2.6.5): object type and AAC audio object type.</summary>
    internal static string AudioCodec(ReadOnlySpan<byte> esds)
    {
        if (esds.Length < 4) return "mp4a.40.2";
        var d = esds[4..]; // version/flags
        if (!ReadDescriptor(ref d, 0x03, out var es) || es.Length < 3) return "mp4a.40.2";
        var flags = es[2];
        var skip = 3 + ((flags & 0x80) != 0 ? 2 : 0) + ((flags & 0x20) != 0 ? 2 : 0);
        if ((flags & 0x40) != 0 && es.Length > skip) skip += 1 + es[skip];
        if (skip > es.Length) return "mp4a.40.2";
        es = es[skip..];
        if (!ReadDescriptor(ref es, 0x04, out var config) || config.Length < 13) return "mp4a.40.2";
        var objectType = config[0];
        if (objectType is 0x69 or 0x6B) return "mp4a.40.34"; // MPEG-1/2 layer III (RFC 8216bis spells MP3 so)
        if (objectType != 0x40) return string.Create(CultureInfo.InvariantCulture, $"mp4a.{objectType:x2}");
        var rest = config[13..];
        if (!ReadDescriptor(ref rest, 0x05, out var asc) || asc.Length < 1) return "mp4a.40.2";
        var aot = asc[0] >> 3;
        if (aot == 31 && asc.Length >= 2) aot = 32 + (((asc[0] & 0x07) << 3) | (asc[1] >> 5));
        return string.Create(CultureInfo.InvariantCulture, $"mp4a.40.{aot}");
    }

    private static bool ReadDescriptor(ref ReadOnlySpan<byte> data, byte tag, out ReadOnlySpan<byte> body)
    {
        body = [];
        while (data.Length >= 2)
        {
            var t = data[0];
            var i = 1;
            var length = 0;
            for (var n = 0; n < 4 && i < data.Length; n++)
            {
                var b = data[i++];
                length = (length << 7) | (b & 0x7F);
                if ((b & 0x80) == 0) break;
            }
            if (i + length > data.Length) return false;
            if (t == tag)
            {
                body = data.Slice(i, length);
                data = data[(i + length)..];
                return true;
            }
            data = data[(i + length)..];
        }
        return false;
    }
}
