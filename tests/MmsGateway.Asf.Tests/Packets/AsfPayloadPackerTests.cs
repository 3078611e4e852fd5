using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Packets;
using MmsGateway.Testing;

namespace MmsGateway.Asf.Tests.Packets;

public sealed class AsfPayloadPackerTests
{
    /// <summary>
    /// Keeps the payloads of <paramref name="keep"/> from every packet of a file and packs them into new packets: the
    /// packed payloads parse back to the same streams, flags, times and bytes, in the same order, in fewer packets.
    /// </summary>
    private static (byte[] File, int Packets, int PackedPackets) PackFile(byte[] file, Func<AsfHeader, AsfPayload, bool> keep)
    {
        var header = AsfHeaderReader.Parse(file);
        var size = (int)header.PacketSize;
        var start = header.Raw.Length + AsfDataObjectHeader.Size;
        var packer = new AsfPayloadPacker(size);
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        var repacked = new AsfPayload[AsfPacketParser.MaxPayloads];
        var output = new MemoryStream();
        var expected = new List<(int Stream, bool Key, uint Time, byte[] Data)>();
        var packetCount = 0;
        var flushed = new byte[size];
        void Flush()
        {
            packer.Flush(flushed);
            output.Write(flushed);
        }
        for (var offset = start; offset + size <= file.Length; offset += size, packetCount++)
        {
            var packet = file.AsSpan(offset, size);
            var parsed = AsfPacketParser.Parse(packet, size, payloads);
            var kept = payloads.AsSpan(0, parsed.PayloadCount).ToArray().Where(p => keep(header, p)).ToList();
            foreach (var p in kept)
                expected.Add((p.StreamNumber, p.IsKeyFrame, p.PresentationTime, packet.Slice(p.DataOffset, p.DataLength).ToArray()));
            if (kept.Any(p => !packer.CanPack(p)))
            {
                // A payload that fills a packet of its own goes out in its own (filtered) packet, in order.
                if (packer.HasPending) Flush();
                var flags = payloads.AsSpan(0, parsed.PayloadCount).ToArray().Select(p => keep(header, p)).ToArray();
                var result = AsfPacketWriter.Rebuild(packet, parsed, payloads.AsSpan(0, parsed.PayloadCount), flags, size, flushed);
                output.Write(result == AsfPacketFilterResult.Unchanged ? packet : flushed);
                continue;
            }
            foreach (var p in kept)
            {
                if (!packer.TryAdd(packet, p, parsed.SendTime))
                {
                    Flush();
                    Assert.True(packer.TryAdd(packet, p, parsed.SendTime));
                }
            }
        }
        if (packer.HasPending) Flush();

        var packed = output.ToArray();
        var actual = new List<(int Stream, bool Key, uint Time, byte[] Data)>();
        for (var offset = 0; offset < packed.Length; offset += size)
        {
            var packet = packed.AsSpan(offset, size);
            var parsed = AsfPacketParser.Parse(packet, size, repacked);
            foreach (var p in repacked.AsSpan(0, parsed.PayloadCount))
                actual.Add((p.StreamNumber, p.IsKeyFrame, p.PresentationTime, packet.Slice(p.DataOffset, p.DataLength).ToArray()));
        }
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal((expected[i].Stream, expected[i].Key, expected[i].Time), (actual[i].Stream, actual[i].Key, actual[i].Time));
            Assert.Equal(expected[i].Data, actual[i].Data);
        }
        // The header (for packet count and size) followed by the packed packets: a playable file for decoders.
        var rewritten = AsfHeaderWriter.Write(header, header.AllStreams, new AsfDataLayout.Broadcast());
        return ([.. rewritten, .. packed], packetCount, packed.Length / size);
    }

    [Fact]
    public async Task Audio_kept_from_an_interleaved_file_packs_into_a_fraction_of_the_packets_and_decodes_clean()
    {
        var file = await File.ReadAllBytesAsync(await GeneratedMedia.SingleBitrateAsync());
        var (packedFile, packets, packedPackets) = PackFile(file, (h, p) => h.FindStream(p.StreamNumber)?.Type == AsfStreamType.Audio);
        Assert.True(packedPackets * 4 < packets, $"{packedPackets} packed packets from {packets}");
        var path = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-pack-").FullName, "audio.asf");
        await File.WriteAllBytesAsync(path, packedFile);
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(path));
    }

    [Fact]
    public async Task Key_frames_and_audio_pack_and_decode_clean()
    {
        var file = await File.ReadAllBytesAsync(await GeneratedMedia.SingleBitrateAsync());
        var (packedFile, packets, packedPackets) = PackFile(file, (h, p) => h.FindStream(p.StreamNumber)?.Type == AsfStreamType.Audio || p.IsKeyFrame);
        Assert.True(packedPackets < packets);
        var path = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-pack-").FullName, "keys.asf");
        await File.WriteAllBytesAsync(path, packedFile);
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(path));
    }

    [SharedMediaFact]
    public void Compressed_payloads_survive_packing_unchanged()
    {
        // mm_elephant.asf: compressed (grouped sub-)payloads and multiple payloads per packet.
        var file = File.ReadAllBytes(SharedMedia.Path("asf", "mm_elephant.asf"));
        var (_, packets, packedPackets) = PackFile(file, (_, _) => true);
        // Everything kept: the uniform (wider) payload headers take somewhat more room than the original compact ones.
        Assert.InRange(packedPackets, packets / 2, packets * 2);
    }

    [Fact]
    public void A_payload_too_big_for_any_packet_is_refused_not_truncated()
    {
        var packer = new AsfPayloadPacker(100);
        var payload = new AsfPayload { StreamNumber = 1, DataOffset = 0, DataLength = 90, ReplicatedDataLength = 8 };
        Assert.False(packer.CanPack(payload));
        Assert.False(packer.TryAdd(new byte[200], payload, 0));
        Assert.False(packer.HasPending);
        Assert.Throws<InvalidOperationException>(() => packer.Flush(new byte[100]));
    }
}
