using FsCheck;
using FsCheck.Fluent;
using MmsGateway.Asf.Indexing;
using MmsGateway.Asf.Packets;
using MmsGateway.Testing;
using MmsGateway.Testing.Misbehaving;

namespace MmsGateway.Asf.Tests;

/// <summary>
/// Property tests: valid ASF inputs mutated at random (bytes overwritten, length fields inflated or zeroed,
/// truncation) must end in success or <see cref="AsfFormatException"/>, never another exception, a hang or an
/// allocation out of proportion to the input. CI runs a fixed seed and a modest count; set
/// MMSGW_FUZZ_CASES (for example 100000) and MMSGW_FUZZ_SEED for the long run (tests/README.md, "Fuzzing").
/// </summary>
public class AsfMutationTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(FuzzRun.Cases(400))
        .WithReplay(Microsoft.FSharp.Core.FSharpOption<Replay>.Some(new Replay(new Rnd(FuzzRun.Seed, 1013904223), null)));

    public sealed record Mutation(int Kind, int Position, uint Value);

    private static List<byte[]> Seeds()
    {
        var seeds = new List<byte[]> { TestHeaders.MultiBitrate(), TestHeaders.MultiBitrate(broadcast: true) };
        if (SharedMedia.IsAvailable)
        {
            foreach (var name in new[] { "mm_elephant.asf", "wine_wmvcore_test.wmv", "audioscan_wmv92-with-audio.wmv", "audioscan_wma-live.wma", "tinytag_mp3_audio.asf", "mutagen_silence-1.wma" })
                seeds.Add(File.ReadAllBytes(SharedMedia.Path("asf", name)));
        }
        return seeds;
    }

    private static byte[] Apply(byte[] seed, IEnumerable<Mutation> mutations)
    {
        var bytes = (byte[])seed.Clone();
        foreach (var m in mutations)
        {
            if (bytes.Length == 0) break;
            var at = m.Position % bytes.Length;
            switch (m.Kind)
            {
                case 0: bytes[at] = (byte)m.Value; break;
                case 1: bytes[at] ^= (byte)(1 << (int)(m.Value % 8)); break;
                case 2: // a 32-bit length field made to lie
                    if (at + 4 <= bytes.Length) BitConverter.TryWriteBytes(bytes.AsSpan(at), m.Value);
                    break;
                case 3: // an object size inflated or zeroed
                    if (at + 8 <= bytes.Length) BitConverter.TryWriteBytes(bytes.AsSpan(at), m.Value % 2 == 0 ? 0UL : (ulong)m.Value << 8);
                    break;
                default: bytes = bytes[..at]; break;
            }
        }
        return bytes;
    }

    /// <summary>Reads everything a file carries, as the probe and the origin do.</summary>
    internal static void ReadEverything(byte[] bytes)
    {
        var header = AsfHeaderReader.Parse(bytes);
        var position = header.Raw.Length;
        if (!AsfDataObjectHeader.TryRead(bytes.AsSpan(position), position, out _)) return;
        position += AsfDataObjectHeader.Size;
        var packetSize = header.PacketSize;
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        var output = new byte[packetSize];
        var stats = new AsfStreamStatistics(packetSize);
        for (; position + packetSize <= bytes.Length; position += packetSize)
        {
            var packet = bytes.AsSpan(position, packetSize);
            var parsed = AsfPacketParser.Parse(packet, packetSize, payloads, position);
            foreach (var p in payloads.AsSpan(0, parsed.PayloadCount))
            {
                if (!p.IsCompressed) continue;
                foreach (var _ in new AsfCompressedPayloadEnumerator(packet, p)) { }
            }
            stats.Add(packet);
            AsfPacketWriter.Filter(packet, packetSize, AsfStreamSet.Of(1), AsfStreamSet.Of(2), output);
        }
        if (position + SimpleIndex.FixedSize <= bytes.Length && new Guid(bytes.AsSpan(position, 16)) == AsfGuids.SimpleIndex)
            SimpleIndex.Read(bytes.AsSpan(position), position);
        AsfHeaderWriter.Write(header, AsfStreamSet.Of(1), new AsfDataLayout.Broadcast());
    }

    [Fact]
    public void Mutated_inputs_end_in_success_or_a_format_error()
    {
        var seeds = Seeds();
        var mutation = Gen.Choose(0, 4).SelectMany(kind => Gen.Choose(0, int.MaxValue).SelectMany(position =>
            Gen.Choose(int.MinValue, int.MaxValue).Select(value => new Mutation(kind, position, unchecked((uint)value)))));
        var input = Gen.Choose(0, seeds.Count - 1).SelectMany(seed => Gen.ListOf(mutation).Select(list => (seed, list.Take(6).ToArray())));

        using var tally = FuzzRun.Start("asf-file");
        var property = Prop.ForAll(Arb.From(input), c =>
        {
            var bytes = Apply(seeds[c.seed], c.Item2);
            // Bounded by the input: copies of the header and a few packet buffers, never a declared size.
            FuzzRun.Case(tally, bytes, 8L * bytes.Length + (1 << 20), () => ReadEverything(bytes), typeof(AsfFormatException));
        });
        Check.One(Runs, property);
    }

    /// <summary>
    /// The packets of real files, one mutated at a time behind an intact header, so the packet parser (and what
    /// reads its result: compressed payloads, the filter, the retimer, re-padding of a short packet) sees
    /// thousands of near-valid packets rather than files rejected at the header.
    /// </summary>
    [Fact]
    public async Task Mutated_packets_end_in_success_or_a_format_error()
    {
        // ffmpeg-made files (always there) and the real-world files when the shared media is available.
        byte[][] generated = [await File.ReadAllBytesAsync(await GeneratedMedia.MultiBitrateAsync(3)), await File.ReadAllBytesAsync(await GeneratedMedia.AudioOnlyAsync(3))];
        var files = Seeds().Concat(generated).Select(bytes =>
        {
            var header = AsfHeaderReader.Parse(bytes);
            var start = header.Raw.Length + AsfDataObjectHeader.Size;
            var count = (bytes.Length - start) / header.PacketSize;
            return (Bytes: bytes, header.PacketSize, Start: start, Count: count);
        }).Where(f => f.Count > 0).ToArray();
        var mutation = Gen.Choose(0, 4).SelectMany(kind => Gen.Choose(0, int.MaxValue).SelectMany(position =>
            Gen.Choose(int.MinValue, int.MaxValue).Select(value => new Mutation(kind, position, unchecked((uint)value)))));
        var input = Gen.Choose(0, files.Length - 1).SelectMany(file => Gen.Choose(0, int.MaxValue).SelectMany(packet =>
            Gen.ListOf(mutation).Select(list => (file, packet, list.Take(4).ToArray()))));

        using var tally = FuzzRun.Start("asf-packet");
        var property = Prop.ForAll(Arb.From(input), c =>
        {
            var f = files[c.file];
            var original = f.Bytes.AsSpan(f.Start + c.packet % f.Count * f.PacketSize, f.PacketSize).ToArray();
            var mutated = Apply(original, c.Item3);
            FuzzRun.Case(tally, mutated, 4096, () => ReadPacket(mutated, f.PacketSize), typeof(AsfFormatException));
        });
        Check.One(Runs, property);
    }

    /// <summary>What the hub and the outputs do with one received packet, in the order they do it.</summary>
    private static void ReadPacket(byte[] received, int packetSize)
    {
        Span<byte> packet = stackalloc byte[packetSize];
        if (received.Length < packetSize)
            AsfPacketWriter.Repad(received, packetSize, packet); // a server stripped the padding (docs/protocol/asf.md#s4.9)
        else
            received.CopyTo(packet);
        Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        var parsed = AsfPacketParser.Parse(packet, packetSize, payloads);
        foreach (var p in payloads[..parsed.PayloadCount])
        {
            if (!p.IsCompressed) continue;
            foreach (var _ in new AsfCompressedPayloadEnumerator(packet, p)) { }
        }
        Span<byte> output = stackalloc byte[packetSize];
        AsfPacketWriter.Filter(packet, packetSize, AsfStreamSet.Of(1), AsfStreamSet.Of(1), output);
        AsfPacketRetimer.Shift(packet, packetSize, 5000);
    }

    [SharedMediaFact]
    public void Every_truncation_of_a_real_file_ends_cleanly()
    {
        var bytes = File.ReadAllBytes(SharedMedia.Path("asf", "audioscan_wmv92-with-audio.wmv"));
        for (var length = 0; length < bytes.Length; length += 7)
        {
            try
            {
                ReadEverything(bytes[..length]);
            }
            catch (AsfFormatException e)
            {
                Assert.False(string.IsNullOrEmpty(e.ObjectName));
            }
        }
    }
}
