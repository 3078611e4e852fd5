using System.Security.Cryptography;
using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Packets;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Outputs;

/// <summary>A real ASF file of the shared media cut into its header and its data packets, for the writers' tests.</summary>
internal sealed class RealAsfPackets
{
    private RealAsfPackets(AsfHeader header, List<byte[]> packets)
    {
        Header = header;
        Packets = packets;
    }

    public AsfHeader Header { get; }

    public IReadOnlyList<byte[]> Packets { get; }

    public int PacketSize => Header.PacketSize;

    public AsfStreamSet Video => AsfStreamSet.Of(Header.Streams.Where(s => s.Type == AsfStreamType.Video).Select(s => s.StreamNumber).ToArray());

    public AsfStreamSet Audio => AsfStreamSet.Of(Header.Streams.Where(s => s.Type == AsfStreamType.Audio).Select(s => s.StreamNumber).ToArray());

    /// <summary>A file of the shared media's <c>asf/</c>, or <c>generated</c>: ffmpeg's WMV2 and WMA2, one key frame a second.</summary>
    public static async Task<RealAsfPackets> LoadAsync(string name)
    {
        var path = name == Generated ? await GeneratedMedia.SingleBitrateAsync(4) : SharedMedia.Path("asf", name);
        return Load(path);
    }

    public const string Generated = "generated";

    public static RealAsfPackets Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var header = AsfHeaderReader.Parse(bytes);
        var start = header.Raw.Length + AsfDataObjectHeader.Size;
        Assert.True(AsfDataObjectHeader.TryRead(bytes.AsSpan(header.Raw.Length), header.Raw.Length, out var data));
        // The Data Object says how many packets it holds; index objects follow them.
        var count = (int)Math.Min(data.TotalDataPackets, (ulong)((bytes.Length - start) / header.PacketSize));
        var packets = new List<byte[]>(count);
        for (var i = 0; i < count; i++) packets.Add(bytes.AsSpan(start + i * header.PacketSize, header.PacketSize).ToArray());
        Assert.NotEmpty(packets);
        return new RealAsfPackets(header, packets);
    }

    /// <summary>The payloads of a packet as comparable values: where they belong, and their bytes.</summary>
    public static List<PayloadId> PayloadsOf(ReadOnlySpan<byte> packet, int packetSize)
    {
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        var header = AsfPacketParser.Parse(packet, packetSize, payloads);
        var list = new List<PayloadId>(header.PayloadCount);
        foreach (var p in payloads.AsSpan(0, header.PayloadCount))
        {
            list.Add(new PayloadId(p.StreamNumber, p.MediaObjectNumber, p.OffsetIntoMediaObject, p.IsKeyFrame, p.IsCompressed,
                Convert.ToHexString(packet.Slice(p.ReplicatedDataOffset, p.ReplicatedDataLength)),
                p.DataLength, Convert.ToHexString(SHA256.HashData(packet.Slice(p.DataOffset, p.DataLength)))[..16]));
        }
        return list;
    }

    public static uint SendTimeOf(ReadOnlySpan<byte> packet, int packetSize) => AsfPacketParser.ParseHeader(packet, packetSize).SendTime;
}

internal readonly record struct PayloadId(int Stream, uint MediaObject, uint Offset, bool KeyFrame, bool Compressed, string ReplicatedData, int DataLength, string DataHash);
