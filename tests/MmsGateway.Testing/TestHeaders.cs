using System.Buffers.Binary;
using System.Text;

using MmsGateway.Asf;

namespace MmsGateway.Testing;

/// <summary>
/// Builds ASF headers byte by byte from the layouts of docs/protocol/asf.md#s4, for objects that no file at hand carries
/// together (ffmpeg writes no bitrate or mutual-exclusion objects; the shared media has no DRM header).
/// </summary>
public static class TestHeaders
{
    public const int PacketSize = 1000;
    public static readonly Guid FileId = new("11111111-2222-3333-4444-555555555555");

    /// <summary>Audio 1 (mandatory), videos 2 and 3 top-level, video 4 only embedded in its ESP; one exclusion group {2,3,4}.</summary>
    public static byte[] MultiBitrate(bool broadcast = false)
    {
        var children = new List<byte[]>
        {
            FileProperties(broadcast),
            StreamProperties(1, AsfGuids.AudioMedia, WaveFormat()),
            StreamProperties(2, AsfGuids.VideoMedia, VideoFormat(320, 240)),
            StreamProperties(3, AsfGuids.VideoMedia, VideoFormat(320, 240)),
            HeaderExtension(
                ExtendedStreamProperties(2, 500_000, null),
                ExtendedStreamProperties(3, 300_000, null),
                ExtendedStreamProperties(4, 100_000, StreamProperties(4, AsfGuids.VideoMedia, VideoFormat(160, 120))),
                StreamList(AsfGuids.AdvancedMutualExclusion, AsfGuids.MutexBitrate.ToByteArray(), 2, 3, 4),
                Prioritization((1, true), (2, false), (3, false), (4, false)),
                StreamList(AsfGuids.BandwidthSharing, [.. AsfGuids.BandwidthSharingExclusive.ToByteArray(), .. U32(500_000), .. U32(3000)], 2, 3, 4)),
            Bitrates((1, 64_000), (2, 500_000), (3, 300_000), (4, 100_000)),
            StreamList(AsfGuids.BitrateMutualExclusion, AsfGuids.MutexBitrate.ToByteArray(), 2, 3, 4),
            ContentDescription("Test station", "MmsGateway"),
            ScriptCommands(3100, "URL", "http://example.com/"),
            ContentEncryption("http://license.example.com/"),
            Markers((4_000, 30_000_000, "Chapter 2")),
        };
        return Header(children);
    }

    public static byte[] Header(IReadOnlyList<byte[]> children)
    {
        var body = children.SelectMany(c => c).ToArray();
        return [.. Object(AsfGuids.Header, [.. U32((uint)children.Count), 0x01, 0x02, .. body]), .. DataObject()];
    }

    public static byte[] DataObject(ulong packets = 0) =>
        [.. AsfGuids.Data.ToByteArray(), .. U64(50 + packets * PacketSize), .. FileId.ToByteArray(), .. U64(packets), 0x01, 0x01];

    public static byte[] FileProperties(bool broadcast) => Object(AsfGuids.FileProperties,
    [
        .. FileId.ToByteArray(), .. U64(0), .. U64(0), .. U64(broadcast ? 0xFFFF_FFFFul : 10),
        .. U64(broadcast ? 0 : 131_000_000ul), .. U64(broadcast ? 0 : 100_000_000ul), .. U64(3100),
        .. U32(broadcast ? 0x09u : 0x02u), .. U32(PacketSize), .. U32(PacketSize), .. U32(964_000),
    ]);

    public static byte[] StreamProperties(int number, Guid type, byte[] typeData) => Object(AsfGuids.StreamProperties,
    [
        .. type.ToByteArray(), .. AsfGuids.NoErrorCorrection.ToByteArray(), .. U64(0), .. U32((uint)typeData.Length), .. U32(0),
        .. U16((ushort)number), .. U32(0), .. typeData,
    ]);

    public static byte[] WaveFormat() => [.. U16(0x0161), .. U16(2), .. U32(44100), .. U32(8000), .. U16(2973), .. U16(16), .. U16(10), .. new byte[10]];

    public static byte[] VideoFormat(uint width, uint height) =>
    [
        .. U32(width), .. U32(height), 2, .. U16(40),
        .. U32(40), .. U32(width), .. U32(height), .. U16(1), .. U16(24), .. "WMV2"u8, .. U32(width * height * 3), .. new byte[16],
    ];

    public static byte[] HeaderExtension(params byte[][] children)
    {
        var body = children.SelectMany(c => c).ToArray();
        return Object(AsfGuids.HeaderExtension, [.. AsfGuids.HeaderExtensionReserved1.ToByteArray(), .. U16(6), .. U32((uint)body.Length), .. body]);
    }

    public static byte[] ExtendedStreamProperties(int number, uint bitrate, byte[]? embedded) => Object(AsfGuids.ExtendedStreamProperties,
    [
        .. U64(0), .. U64(0), .. U32(bitrate), .. U32(3000), .. U32(3000), .. U32(bitrate), .. U32(3000), .. U32(3000), .. U32(0),
        .. U32(2), .. U16((ushort)number), .. U16(0), .. U64(400_000), .. U16(0), .. U16(0), .. embedded ?? [],
    ]);

    public static byte[] StreamList(Guid id, byte[] prefix, params int[] streams) =>
        Object(id, [.. prefix, .. U16((ushort)streams.Length), .. streams.SelectMany(s => U16((ushort)s))]);

    public static byte[] Prioritization(params (int Stream, bool Mandatory)[] records) => Object(AsfGuids.StreamPrioritization,
        [.. U16((ushort)records.Length), .. records.SelectMany(r => (byte[])[.. U16((ushort)r.Stream), .. U16(r.Mandatory ? (ushort)1 : (ushort)0)])]);

    public static byte[] Bitrates(params (int Stream, uint Bitrate)[] records) => Object(AsfGuids.StreamBitrateProperties,
        [.. U16((ushort)records.Length), .. records.SelectMany(r => (byte[])[.. U16((ushort)r.Stream), .. U32(r.Bitrate)])]);

    public static byte[] ContentDescription(string title, string author)
    {
        byte[] t = [.. Encoding.Unicode.GetBytes(title), 0, 0], a = [.. Encoding.Unicode.GetBytes(author), 0, 0];
        return Object(AsfGuids.ContentDescription, [.. U16((ushort)t.Length), .. U16((ushort)a.Length), .. U16(0), .. U16(0), .. U16(0), .. t, .. a]);
    }

    public static byte[] ScriptCommands(uint time, string type, string command) => Object(AsfGuids.ScriptCommand,
    [
        .. new byte[16], .. U16(1), .. U16(1),
        .. U16((ushort)(type.Length + 1)), .. Encoding.Unicode.GetBytes(type), 0, 0,
        .. U32(time), .. U16(0), .. U16((ushort)(command.Length + 1)), .. Encoding.Unicode.GetBytes(command), 0, 0,
    ]);

    public static byte[] ContentEncryption(string licenseUrl) => Object(AsfGuids.ContentEncryption,
    [
        .. U32(4), 1, 2, 3, 4, .. U32(4), .. "DRM\0"u8, .. U32(5), .. "key1\0"u8,
        .. U32((uint)licenseUrl.Length + 1), .. Encoding.ASCII.GetBytes(licenseUrl), 0,
    ]);

    /// <summary>Marker object: reserved GUID, count, reserved u16, name, then the markers.</summary>
    public static byte[] Markers(params (uint SendTime, ulong PresentationTime, string Description)[] markers) => Object(AsfGuids.Marker,
    [
        .. new byte[16], .. U32((uint)markers.Length), .. U16(0), .. U16(0),
        .. markers.SelectMany(m => (byte[])
        [
            .. U64(0), .. U64(m.PresentationTime), .. U16((ushort)(12 + 2 * (m.Description.Length + 1))), .. U32(m.SendTime), .. U32(0),
            .. U32((uint)m.Description.Length + 1), .. Encoding.Unicode.GetBytes(m.Description), 0, 0,
        ]),
    ]);

    public static byte[] Object(Guid id, byte[] body) => [.. id.ToByteArray(), .. U64((ulong)body.Length + 24), .. body];

    public static byte[] U16(ushort v)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        return b;
    }

    public static byte[] U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return b;
    }

    public static byte[] U64(ulong v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return b;
    }
}
