using MmsGateway.Asf.Objects;
using MmsGateway.Testing;

namespace MmsGateway.Asf.Tests;

public class AsfHeaderReaderTests
{
    private static AsfHeader ParseShared(string name) => AsfHeaderReader.Parse(File.ReadAllBytes(SharedMedia.Path("asf", name)));

    [SharedMediaFact]
    public void Live_header_reports_broadcast_flags_and_bitrate_records()
    {
        var header = ParseShared("audioscan_wma-live.wma");
        var fp = header.FileProperties;
        Assert.True(fp.IsBroadcast);
        Assert.Equal(0x9u, fp.Flags);
        Assert.Equal(0xFFFF_FFFFul, fp.DataPacketsCount);
        Assert.Equal(5976, header.PacketSize);
        Assert.Null(fp.Duration);
        Assert.Equal([AsfStreamType.Audio, AsfStreamType.Command], header.Streams.Select(s => s.Type));
        Assert.Equal([(1, 128641u), (2, 2619u)], header.Bitrates.Select(b => (b.StreamNumber, b.AverageBitrate)));
        Assert.Equal((128641u, BitrateSource.StreamBitrateProperties), header.DeclaredBitrate(1));
        Assert.Equal(2, header.ExtendedStreams.Count);
        Assert.Equal(AsfProtection.None, header.Protection);
    }

    [SharedMediaFact]
    public void Wmv9_file_exposes_payload_extension_systems_and_formats()
    {
        var header = ParseShared("audioscan_wmv92-with-audio.wmv");
        Assert.Equal(1444, header.PacketSize);
        Assert.Equal(5000ul, header.FileProperties.PrerollMs);
        var video = Assert.Single(header.Streams, s => s.Type == AsfStreamType.Video);
        Assert.Equal(2, video.StreamNumber);
        Assert.Equal("wmv3", video.CodecName);
        Assert.Equal((320u, 240u), (video.Video!.Width, video.Video.Height));
        var ext = header.FindExtendedStream(2)!;
        var extension = Assert.Single(ext.PayloadExtensions);
        Assert.Equal(new Guid("C6BD9450-867F-4907-83A3-C77921B733AD"), extension.Id);
        Assert.Equal(2, extension.DataSize);
        var audio = header.FindStream(1)!;
        Assert.Equal("wmav2", audio.CodecName);
        Assert.Equal(32000u, audio.Audio!.SamplesPerSecond);
    }

    [SharedMediaFact]
    public void Header_only_file_parses_with_all_its_extension_objects()
    {
        var header = ParseShared("exiftool_ASF.wmv");
        Assert.Equal(2, header.Streams.Count);
        Assert.Contains(header.ExtensionObjects, o => o.Id == AsfGuids.Compatibility);
        Assert.Contains(header.ExtensionObjects, o => o.Id == AsfGuids.LanguageList);
        Assert.Contains(header.ExtensionObjects, o => o.Id == AsfGuids.Padding);
        // The Index Placeholder GUID is not one we interpret: it stays opaque.
        Assert.Contains(header.UnknownObjects, o => o.Id == new Guid("D9AADE20-7C17-4F9C-BC28-8555DD98E2A2"));
        Assert.NotEmpty(header.ExtendedContent);
        Assert.NotEmpty(header.Codecs);
    }

    [SharedMediaFact]
    public void Unicode_metadata_and_codec_list_are_decoded()
    {
        var header = ParseShared("audioscan_wma92-vbr.wma");
        Assert.Contains(header.ExtendedContent, d => d.Name == "IsVBR" && d.Value == "true");
        Assert.Contains(header.ExtendedContent, d => d.Name == "WM/Picture" && d.Value.Contains("bytes", StringComparison.Ordinal));
        Assert.Contains(header.Codecs, c => c.Kind == CodecKind.Audio);
    }

    [SharedMediaFact]
    public void Asf_saved_under_an_asx_name_is_still_read()
    {
        var header = ParseShared("../asx/totem_asf-with-asx-suffix.asx");
        Assert.Equal([AsfStreamType.Audio, AsfStreamType.Video], header.Streams.Select(s => s.Type).Order());
        Assert.Equal(6074, header.PacketSize);
    }

    [SharedMediaTheory]
    [InlineData("mm_CWE-835.wma", "Extended Content Description", "object size 0")]
    [InlineData("tinytag_invalid_object_size.wma", "Content Description", "object size 23")]
    [InlineData("tinytag_empty_file.wma", "Header", "empty")]
    [InlineData("tinytag_invalid_file.asf", "Header", "too few")]
    public void Malformed_files_end_in_one_clear_error(string name, string objectName, string problem)
    {
        var bytes = File.ReadAllBytes(SharedMedia.Path("asf", name));
        var error = Assert.Throws<AsfFormatException>(() => AsfHeaderReader.Parse(bytes));
        Assert.Equal(objectName, error.ObjectName);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Declared_header_size_above_the_limit_is_refused_before_allocating()
    {
        var bytes = new byte[30];
        AsfGuids.Header.TryWriteBytes(bytes);
        BitConverter.TryWriteBytes(bytes.AsSpan(16), 1UL << 40);
        var error = Assert.Throws<AsfFormatException>(() => AsfHeaderReader.ReadHeaderObjectSize(bytes));
        Assert.Contains("exceeds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_an_asf_file_is_named_as_such()
    {
        var bytes = "<ASX version=\"3.0\"><entry><ref href=\"mms://x/y\"/></entry></ASX>"u8.ToArray();
        var error = Assert.Throws<AsfFormatException>(() => AsfHeaderReader.Parse(bytes));
        Assert.Contains("not an ASF file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Synthetic_header_with_every_stream_relation_object_is_read()
    {
        var header = AsfHeaderReader.Parse(TestHeaders.MultiBitrate());
        Assert.Equal([1, 2, 3, 4], header.Streams.Select(s => s.StreamNumber));
        Assert.True(header.FindStream(4)!.IsEmbedded);
        var bitrate = Assert.Single(header.MutualExclusions, m => !m.IsAdvanced);
        Assert.Equal(MutualExclusionKind.Bitrate, bitrate.Kind);
        Assert.Equal([2, 3, 4], bitrate.StreamNumbers);
        var advanced = Assert.Single(header.MutualExclusions, m => m.IsAdvanced);
        Assert.Equal([2, 3, 4], advanced.StreamNumbers);
        Assert.Equal([(1, true), (2, false), (3, false), (4, false)], header.Priorities.Select(p => (p.StreamNumber, p.IsMandatory)));
        var sharing = Assert.Single(header.BandwidthSharing);
        Assert.True(sharing.IsExclusive);
        Assert.Equal([2, 3, 4], sharing.StreamNumbers);
        Assert.Equal((300_000u, BitrateSource.StreamBitrateProperties), header.DeclaredBitrate(3));
        Assert.Equal((64_000u, BitrateSource.StreamBitrateProperties), header.DeclaredBitrate(1));
        Assert.Equal("Test station", header.ContentDescription!.Title);
        Assert.Equal([new ScriptCommand(3100, "URL", "http://example.com/")], header.ScriptCommands);
        Assert.Equal(AsfProtection.ContentEncryption, header.Protection);
        Assert.Equal("http://license.example.com/", header.ContentEncryption!.LicenseUrl);
        Assert.Equal("DRM", header.ContentEncryption.ProtectionType);
        Assert.Equal([new AsfMarker(0, 30_000_000, 4_000, "Chapter 2")], header.Markers);
    }
}
