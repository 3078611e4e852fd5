using System.Buffers.Binary;
using MmsGateway.Asf;

namespace MmsGateway.Mms.Tests.Playlists;

/// <summary>
/// A small live-broadcast ASF header (Header Object with File Properties and one WMA audio Stream Properties,
/// then the 50-byte Data Object header): what an NSC FormatN carries (docs/protocol/nsc.md#s7.2, layouts of docs/protocol/asf.md#s4).
/// </summary>
internal static class TestAsfHeader
{
    public const int PacketSize = 2000;

    public static byte[] Build()
    {
        byte[] fileProperties = Object(AsfGuids.FileProperties,
        [
            .. Guid.Parse("0badf00d-0000-4000-8000-000000000001").ToByteArray(), .. U64(0), .. U64(0),
            .. U64(0xFFFF_FFFF), .. U64(0), .. U64(0), .. U64(3000),
            .. U32(0x09), .. U32(PacketSize), .. U32(PacketSize), .. U32(64_000),
        ]);
        byte[] waveFormat = [.. U16(0x0161), .. U16(2), .. U32(44100), .. U32(8000), .. U16(2973), .. U16(16), .. U16(0)];
        byte[] audio = Object(AsfGuids.StreamProperties,
        [
            .. AsfGuids.AudioMedia.ToByteArray(), .. AsfGuids.NoErrorCorrection.ToByteArray(), .. U64(0),
            .. U32((uint)waveFormat.Length), .. U32(0), .. U16(1), .. U32(0), .. waveFormat,
        ]);
        byte[] header = Object(AsfGuids.Header, [.. U32(2), 0x01, 0x02, .. fileProperties, .. audio]);
        byte[] data = [.. AsfGuids.Data.ToByteArray(), .. U64(50), .. new byte[16], .. U64(0), 0x01, 0x01];
        return [.. header, .. data];
    }

    private static byte[] Object(Guid id, byte[] body) => [.. id.ToByteArray(), .. U64((ulong)body.Length + 24), .. body];

    private static byte[] U16(ushort v)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        return b;
    }

    private static byte[] U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return b;
    }

    private static byte[] U64(ulong v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return b;
    }
}
