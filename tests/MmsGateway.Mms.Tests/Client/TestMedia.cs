using System.Buffers.Binary;
using MmsGateway.Asf;
using MmsGateway.Asf.Packets;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>
/// A real small ASF file split the way an MMS server sends it: the header (Header Object + 50 Data Object bytes) and
/// the data packets. Default: the shared <c>wine_wmvcore_test.wmv</c> (ffmpeg-muxed, WMV1 stream 1 + WMA1 stream 2,
/// 14 packets of 3200 bytes — the packet size of the golden trace of docs/protocol/mmst.md#s1.9).
/// </summary>
internal sealed class TestMedia
{
    private TestMedia(byte[] header, int packetSize, IReadOnlyList<byte[]> packets)
    {
        Header = header;
        PacketSize = packetSize;
        Packets = packets;
    }

    public byte[] Header { get; }

    public int PacketSize { get; }

    public IReadOnlyList<byte[]> Packets { get; }

    public static TestMedia Wine() => Load(SharedMedia.Path("asf", "wine_wmvcore_test.wmv"));

    public static TestMedia Load(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        AsfHeader header = AsfHeaderReader.Parse(file);
        int headerLength = header.Raw.Length + AsfDataObjectHeader.Size;
        int packetSize = header.PacketSize;
        int count = (int)Math.Min(header.FileProperties.DataPacketsCount, (ulong)((file.Length - headerLength) / packetSize));
        var packets = new byte[count][];
        for (int i = 0; i < count; i++) packets[i] = file.AsSpan(headerLength + (i * packetSize), packetSize).ToArray();
        return new TestMedia(file[..headerLength], packetSize, packets);
    }

    /// <summary>The same header grown with a Padding object to exactly <paramref name="totalSize"/> bytes (incl. the 50).</summary>
    public byte[] HeaderPaddedTo(int totalSize)
    {
        int objectSize = Header.Length - AsfDataObjectHeader.Size;
        int padding = totalSize - Header.Length;
        Assert.True(padding >= 24, "a Padding object needs 24 bytes at least");
        byte[] result = new byte[totalSize];
        Header.AsSpan(0, objectSize).CopyTo(result);
        Span<byte> pad = result.AsSpan(objectSize, padding);
        AsfGuids.Padding.TryWriteBytes(pad);
        BinaryPrimitives.WriteUInt64LittleEndian(pad[16..], (ulong)padding);
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(16), (ulong)(objectSize + padding));
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(24),
            BinaryPrimitives.ReadUInt32LittleEndian(Header.AsSpan(24)) + 1);
        Header.AsSpan(objectSize).CopyTo(result.AsSpan(objectSize + padding));
        return result;
    }

    /// <summary>
    /// A packet as a server that strips padding sends it (MS-MMSP 2.2.2): trailing padding cut off and Padding Length
    /// set to 0. Only for packets whose padding is zeros and whose Packet Length field is absent (docs/protocol/asf.md#s4.9).
    /// </summary>
    public byte[] Stripped(int index, out int paddingLength)
    {
        byte[] packet = Packets[index];
        AsfPacket parsed = AsfPacketParser.ParseHeader(packet, PacketSize);
        paddingLength = parsed.PaddingLength;
        Assert.Equal(0, parsed.PacketLengthType);
        Assert.True(parsed.PaddingLengthFieldOffset >= 0);
        byte[] stripped = packet[..(PacketSize - paddingLength)];
        if (parsed.PaddingLengthType == 1) stripped[parsed.PaddingLengthFieldOffset] = 0;
        else BinaryPrimitives.WriteUInt16LittleEndian(stripped.AsSpan(parsed.PaddingLengthFieldOffset), 0);
        return stripped;
    }

    /// <summary>The index of a packet with at least <paramref name="minimum"/> bytes of padding.</summary>
    public int PaddedPacketIndex(int minimum = 8)
    {
        for (int i = 0; i < Packets.Count; i++)
        {
            AsfPacket parsed = AsfPacketParser.ParseHeader(Packets[i], PacketSize);
            if (parsed.PaddingLength >= minimum && parsed.PacketLengthType == 0) return i;
        }

        throw new InvalidOperationException("no packet with padding");
    }
}
