using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Files;
using MmsGateway.Testing;

namespace MmsGateway.Asf.Tests.Files;

public class AsfRemuxTests
{
    private static string TempFile(string name) => Path.Combine(Directory.CreateTempSubdirectory("mmsgw-remux-").FullName, name);

    [Fact]
    public async Task Multi_bitrate_file_filtered_to_one_video_and_audio_decodes_cleanly()
    {
        var source = await GeneratedMedia.MultiBitrateAsync();
        var output = TempFile("one-video.asf");
        using (var input = AsfFile.Open(source))
            Assert.Equal([1, 2, 3, 4], input.Header.Streams.Select(s => s.StreamNumber));

        var result = await AsfRemux.RemuxAsync(source, output, AsfStreamSet.Of(2, 4), CancellationToken.None);

        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(output));
        using var remuxed = AsfFile.Open(output);
        Assert.Equal([2, 4], remuxed.Header.Streams.Select(s => s.StreamNumber));
        Assert.Equal(result.PacketsWritten, remuxed.PacketCount);
        Assert.Equal((ulong)remuxed.PacketCount, remuxed.Header.FileProperties.DataPacketsCount);
        Assert.Equal(remuxed.Length, (long)remuxed.Header.FileProperties.FileSize);
        Assert.False(remuxed.IsTruncated);
        Assert.NotNull(remuxed.SimpleIndex);
        Assert.True(result.PacketsWritten < result.PacketsRead, "packets holding only dropped streams are left out");

        // ffprobe agrees on what is left, and the duration is intact.
        var probe = await ToolRunner.FfprobeAsync("-v", "error", "-show_entries", "stream=codec_type,width:format=duration", "-of", "csv=p=0", output);
        Assert.Equal(0, probe.ExitCode);
        var lines = probe.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("video,320", lines);
        Assert.Contains(lines, l => l.StartsWith("audio", StringComparison.Ordinal));
        Assert.InRange(double.Parse(lines[^1], System.Globalization.CultureInfo.InvariantCulture), 9.5, 10.5);
    }

    [Theory]
    [InlineData(new[] { 2, 4 })]
    [InlineData(new[] { 1, 2, 4 })]
    [InlineData(new[] { 1, 2, 3, 4 })]
    public async Task Bulk_remux_writes_the_same_bytes_as_the_per_packet_writer(int[] streams)
    {
        var source = await GeneratedMedia.MultiBitrateAsync();
        var bulk = TempFile("bulk.asf");
        var perPacket = TempFile("per-packet.asf");

        await AsfRemux.RemuxAsync(source, bulk, AsfStreamSet.Of(streams), CancellationToken.None);
        using (var input = AsfFile.Open(source))
        {
            await using var output = new FileStream(perPacket, FileMode.Create, FileAccess.ReadWrite);
            await using var writer = new AsfFileWriter(output, input.Header, AsfStreamSet.Of(streams));
            await writer.WriteHeaderAsync(CancellationToken.None);
            var packet = new byte[input.PacketSize];
            for (long i = 0; i < input.PacketCount; i++)
            {
                input.ReadPacket(i, packet);
                await writer.WritePacketAsync(packet, CancellationToken.None);
            }
            var fp = input.Header.FileProperties;
            await writer.CompleteAsync(fp.PlayDuration, fp.SendDuration, CancellationToken.None);
        }

        Assert.Equal(await File.ReadAllBytesAsync(perPacket), await File.ReadAllBytesAsync(bulk));
    }

    [SharedMediaTheory]
    [InlineData(new[] { 1, 2 })]
    [InlineData(new[] { 2 })]
    [InlineData(new[] { 1 })]
    public async Task Elephant_with_compressed_payloads_round_trips(int[] streams)
    {
        var source = SharedMedia.Path("asf", "mm_elephant.asf");
        var output = TempFile("elephant.asf");

        await AsfRemux.RemuxAsync(source, output, AsfStreamSet.Of(streams), CancellationToken.None);

        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(output));
        using var remuxed = AsfFile.Open(output);
        Assert.Equal(streams, remuxed.Header.Streams.Select(s => s.StreamNumber));
        if (streams.SequenceEqual([1, 2]))
        {
            // Nothing removed: the packets are the original bytes.
            using var original = AsfFile.Open(source);
            var a = new byte[original.PacketSize];
            var b = new byte[original.PacketSize];
            Assert.Equal(original.PacketCount, remuxed.PacketCount);
            for (var i = 0; i < original.PacketCount; i++)
            {
                original.ReadPacket(i, a);
                remuxed.ReadPacket(i, b);
                Assert.Equal(a, b);
            }
        }
    }

    [Fact]
    public async Task Selecting_no_existing_stream_is_refused()
    {
        var source = await GeneratedMedia.AudioOnlyAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => AsfRemux.RemuxAsync(source, TempFile("x.asf"), AsfStreamSet.Of(9), CancellationToken.None));
    }

    [SharedMediaFact]
    public void Header_only_file_opens_with_no_packets()
    {
        using var file = AsfFile.Open(SharedMedia.Path("asf", "exiftool_ASF.wmv"));
        Assert.Null(file.DataObject);
        Assert.Equal(0, file.PacketCount);
        Assert.Equal(2, file.Header.Streams.Count);
    }

    [SharedMediaFact]
    public void Truncated_file_is_served_to_its_last_whole_packet()
    {
        using var file = AsfFile.Open(SharedMedia.Path("asx", "totem_asf-with-asx-suffix.asx"));
        Assert.True(file.IsTruncated);
        Assert.Equal((file.Length - file.DataStart) / file.PacketSize, file.PacketCount);
        Assert.Contains(file.Header.Streams, s => s.Type == AsfStreamType.Video);
    }
}
