using System.Text;
using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Mms.Rtsp;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Rtsp;

/// <summary>The WMS SDP of docs/protocol/rtsp.md#s3.1 and SDPs written from real ASF headers, read back.</summary>
public class SdpTests
{
    /// <summary>docs/protocol/rtsp.md#s3.1 with the shortened base64 replaced by <paramref name="base64"/>.</summary>
    private static string FactSheetExample(string base64) =>
        "v=0\r\no=- 200311171721060249 200311171721060249 IN IP4 127.0.0.1\r\ns=<No Title>\r\nc=IN IP4 0.0.0.0\r\nb=AS:1091\r\n" +
        "a=maxps:13632\r\nt=0 0\r\na=control:rtsp://server/path/file.wmv/\r\na=etag:{GUID}\r\na=range:npt=3.100-173.903\r\na=recvonly\r\n" +
        $"a=pgmpu:data:application/vnd.ms.wms-hdr.asfv1;base64,{base64}\r\n" +
        "m=audio 0 RTP/AVP 96\r\nb=AS:35\r\na=rtpmap:96 x-asf-pf/1000\r\na=control:audio\r\na=stream:1\r\n" +
        "m=video 0 RTP/AVP 96\r\nb=AS:471\r\na=rtpmap:96 x-asf-pf/1000\r\na=control:stream=2\r\na=stream:2\r\n" +
        "m=application 0 RTP/AVP 96\r\na=rtpmap:96 x-wms-rtx/1000\r\na=control:rtx\r\na=stream:65536\r\n";

    [Fact]
    public void The_fact_sheet_example_parses()
    {
        byte[] guid = AsfGuids.Header.ToByteArray();
        Assert.Equal("MCaydY5mzxGm2QCqAGLObA==", Convert.ToBase64String(guid)); // docs/protocol/rtsp.md#s3.1
        var sdp = SdpParser.Parse(Encoding.ASCII.GetBytes(FactSheetExample("MCaydY5mzxGm2QCqAGLObA==")), RtspLimits.Default);
        Assert.Equal(1091, sdp.BandwidthKbps);
        Assert.Equal(13632, sdp.MaxPacketSize);
        Assert.Equal("rtsp://server/path/file.wmv/", sdp.Control);
        Assert.Equal(new RtspNptRange(3.1, 173.903), sdp.Range);
        Assert.Equal(guid, sdp.AsfHeader!.Value.ToArray());
        Assert.Equal(3, sdp.Media.Count);
        var (audio, video, rtx) = (sdp.Media[0], sdp.Media[1], sdp.Media[2]);
        Assert.Equal(("audio", 96, "x-asf-pf", 1000, "audio", 1, 35), (audio.MediaType, audio.PayloadType, audio.EncodingName, audio.ClockRate, audio.Control, audio.StreamNumber, audio.BandwidthKbps));
        Assert.True(audio.IsAsf);
        Assert.False(audio.IsRetransmission);
        Assert.Equal(("video", "stream=2", 2), (video.MediaType, video.Control, video.StreamNumber));
        Assert.True(rtx.IsRetransmission);
        Assert.Equal(65536, rtx.StreamNumber);
        Assert.Equal(["96"], rtx.Formats);

        Assert.Equal("rtsp://server/path/file.wmv/", sdp.AggregateControl("rtsp://other/x"));
        Assert.Equal("rtsp://server/path/file.wmv/audio", sdp.ResolveControl(audio, "rtsp://other/x"));
        Assert.Equal("rtsp://server/path/file.wmv/rtx", sdp.ResolveControl(rtx, "rtsp://other/x"));
    }

    [Fact]
    public void Relative_session_control_falls_back_to_the_base_url()
    {
        var sdp = SdpParser.Parse("v=0\na=control:*\nm=audio 0 RTP/AVP 96\na=control:rtsp://abs/track\nm=video 0 RTP/AVP 96\na=control:video\n"u8, RtspLimits.Default);
        Assert.Equal("rtsp://base/clip.wmv", sdp.AggregateControl("rtsp://base/clip.wmv"));
        Assert.Equal("rtsp://abs/track", sdp.ResolveControl(sdp.Media[0], "rtsp://base/clip.wmv"));
        Assert.Equal("rtsp://base/clip.wmv/video", sdp.ResolveControl(sdp.Media[1], "rtsp://base/clip.wmv"));
        Assert.Equal("rtsp://base/clip.wmv/video", sdp.ResolveControl(sdp.Media[1], "rtsp://base/clip.wmv/".TrimEnd('/') + "/"[..0]));
    }

    [Theory]
    [InlineData("o=- 1 1 IN IP4 1.2.3.4\r\n")] // no v= first
    [InlineData("v=0\r\nthis is not sdp\r\n")]
    [InlineData("v=0\r\na=maxps:lots\r\n")]
    [InlineData("v=0\r\nm=audio\r\n")]
    [InlineData("v=0\r\nm=audio x RTP/AVP 96\r\n")]
    [InlineData("v=0\r\nm=audio 0 RTP/AVP 96\r\na=rtpmap:96\r\n")]
    [InlineData("v=0\r\na=pgmpu:data:application/vnd.ms.wms-hdr.asfv1;base64,MCay!!\r\n")]
    [InlineData("")]
    public void Malformed_sdp_throws(string text) =>
        Assert.Throws<MmsProtocolException>(() => SdpParser.Parse(Encoding.ASCII.GetBytes(text), RtspLimits.Default));

    [Fact]
    public void Sdp_and_header_limits_are_enforced()
    {
        string header = Convert.ToBase64String(new byte[3000]);
        byte[] sdp = Encoding.ASCII.GetBytes(FactSheetExample(header));
        Assert.Throws<MmsProtocolException>(() => SdpParser.Parse(sdp, new RtspLimits { MaxAsfHeaderBytes = 2000 }));
        Assert.Throws<MmsProtocolException>(() => SdpParser.Parse(sdp, new RtspLimits { MaxSdpBytes = 1000 }));
        Assert.Equal(3000, SdpParser.Parse(sdp, RtspLimits.Default).AsfHeader!.Value.Length);
    }

    public static IEnumerable<object[]> Files() => RtspMedia.Files.Select(f => new object[] { f }).Append(["audioscan_wma-live.wma"]).Append(["exiftool_ASF.wmv"]);

    [SharedMediaTheory]
    [MemberData(nameof(Files))]
    public void The_writer_describes_a_real_header_and_the_parser_reads_it_back(string name)
    {
        byte[] file = File.ReadAllBytes(SharedMedia.Path("asf", name));
        var header = AsfHeaderReader.Parse(file);
        string text = WmsSdpWriter.Write(new WmsSdpOptions { AsfHeader = file, ControlUrl = "rtsp://127.0.0.1:8554/vod/" + name + "/", SessionId = "20261208", MaxHeaderBlobBytes = 1 << 20 });
        var sdp = SdpParser.Parse(Encoding.UTF8.GetBytes(text), RtspLimits.Default);

        // pgmpu: the Header Object, min = max packet size, then a 50-byte Data Object of size 50 (docs/protocol/rtsp.md#s3.2).
        byte[] blob = sdp.AsfHeader!.Value.ToArray();
        Assert.Equal(header.Raw.Length + 50, blob.Length);
        var reparsed = AsfHeaderReader.Parse(blob);
        Assert.Equal(header.PacketSize, (int)reparsed.FileProperties.MinimumDataPacketSize);
        Assert.Equal(header.Streams.Select(s => s.StreamNumber), reparsed.Streams.Select(s => s.StreamNumber));
        Assert.True(AsfDataObjectHeader.TryRead(blob.AsSpan(header.Raw.Length), header.Raw.Length, out var data));
        Assert.Equal((50ul, 0ul, header.FileProperties.FileId), (data.ObjectSize, data.TotalDataPackets, data.FileId));

        Assert.Equal(header.PacketSize, sdp.MaxPacketSize);
        Assert.Equal("rtsp://127.0.0.1:8554/vod/" + name + "/", sdp.Control);
        if (header.IsBroadcast)
        {
            Assert.Equal(new RtspNptRange(0, null), sdp.Range);
        }
        else
        {
            Assert.Equal(header.FileProperties.PrerollMs / 1000.0, sdp.Range!.Value.StartSeconds!.Value, 3);
            Assert.Equal((header.FileProperties.PrerollMs / 1000.0) + header.FileProperties.Duration!.Value.TotalSeconds, sdp.Range!.Value.EndSeconds!.Value, 3);
        }

        var av = header.Streams.Where(s => s.Type is AsfStreamType.Audio or AsfStreamType.Video).ToList();
        Assert.Equal(av.Count + 1, sdp.Media.Count);
        for (int i = 0; i < av.Count; i++)
        {
            var media = sdp.Media[i];
            Assert.Equal(av[i].Type == AsfStreamType.Audio ? "audio" : "video", media.MediaType);
            Assert.Equal(av[i].StreamNumber, media.StreamNumber);
            Assert.True(media.IsAsf);
            Assert.Equal(96, media.PayloadType);
            Assert.Equal(av[i].StreamNumber, WmsSdpWriter.StreamOfControl(sdp.ResolveControl(media, "rtsp://unused/")));
        }

        Assert.True(sdp.Media[^1].IsRetransmission); // the rtx line comes last (docs/protocol/rtsp.md#s0.2)
        Assert.Equal("rtx", sdp.Media[^1].Control);

        // Line order the peers need: pgmpu before the first m=, rtpmap before stream in every block (docs/protocol/rtsp.md#s0.3, docs/protocol/rtsp.md#s0.4).
        string[] lines = text.Split("\r\n");
        Assert.True(Array.FindIndex(lines, l => l.StartsWith("a=pgmpu:", StringComparison.Ordinal)) < Array.FindIndex(lines, l => l.StartsWith("m=", StringComparison.Ordinal)));
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("a=stream:", StringComparison.Ordinal)) Assert.StartsWith("a=control:", lines[i - 1]);
            if (lines[i].StartsWith("a=control:", StringComparison.Ordinal) && i > 0 && lines[i - 1].StartsWith("a=rtpmap:", StringComparison.Ordinal)) continue;
        }

        Assert.All(sdp.Media, m => Assert.True(m.Attributes.ToList().FindIndex(a => a.Name == "rtpmap") < m.Attributes.ToList().FindIndex(a => a.Name == "stream")));
    }

    [SharedMediaFact]
    public void A_header_too_large_for_ffmpeg_is_refused_by_default()
    {
        // exiftool_ASF.wmv carries 12 379 header bytes of metadata: more than ffmpeg reads from one SDP line (docs/protocol/rtsp.md#s0.3).
        byte[] file = File.ReadAllBytes(SharedMedia.Path("asf", "exiftool_ASF.wmv"));
        Assert.True(WmsSdpWriter.HeaderBlob(file).Length > WmsSdpWriter.FfmpegMaxHeaderBlobBytes);
        var e = Assert.Throws<ArgumentException>(() => WmsSdpWriter.Write(new WmsSdpOptions { AsfHeader = file, ControlUrl = "rtsp://h/x/", CompactLargeHeaders = false }));
        Assert.Contains("12249", e.Message, StringComparison.Ordinal);
    }

    [SharedMediaTheory]
    [InlineData("exiftool_ASF.wmv")]
    [InlineData("audioscan_wma-live.wma")]
    [InlineData("wine_wmvcore_test.wmv")]
    public void A_compacted_header_keeps_everything_a_player_decodes_with(string name)
    {
        byte[] file = File.ReadAllBytes(SharedMedia.Path("asf", name));
        var original = AsfHeaderReader.Parse(file);
        byte[] compact = WmsSdpWriter.CompactHeader(file);
        var header = AsfHeaderReader.Parse(compact);
        Assert.Equal(compact.Length, header.Raw.Length);
        Assert.Equal(original.FileProperties, header.FileProperties);
        Assert.Equal(original.Streams.Select(s => (s.StreamNumber, s.Type, s.TypeSpecificData.Length)), header.Streams.Select(s => (s.StreamNumber, s.Type, s.TypeSpecificData.Length)));
        Assert.Equal(original.ExtendedStreams.Count, header.ExtendedStreams.Count);
        Assert.Equal(original.Bitrates.Count, header.Bitrates.Count);
        Assert.Empty(header.ExtendedContent);
        Assert.Null(header.ContentDescription);

        string text = WmsSdpWriter.Write(new WmsSdpOptions { AsfHeader = file, ControlUrl = "rtsp://h/x/" });
        var sdp = SdpParser.Parse(Encoding.UTF8.GetBytes(text), RtspLimits.Default);
        Assert.True(sdp.AsfHeader!.Value.Length <= WmsSdpWriter.FfmpegMaxHeaderBlobBytes);
    }

    [SharedMediaFact]
    public void Selection_live_override_and_the_blob_limit()
    {
        byte[] file = File.ReadAllBytes(SharedMedia.Path("asf", "wine_wmvcore_test.wmv"));
        var header = AsfHeaderReader.Parse(file);
        int audio = header.Streams.First(s => s.Type == AsfStreamType.Audio).StreamNumber;
        string text = WmsSdpWriter.Write(new WmsSdpOptions { AsfHeader = file, ControlUrl = "rtsp://h/x/", Live = true, Streams = new HashSet<int> { audio } });
        var sdp = SdpParser.Parse(Encoding.ASCII.GetBytes(text), RtspLimits.Default);
        Assert.Equal(2, sdp.Media.Count);
        Assert.Equal(audio, sdp.Media[0].StreamNumber);
        Assert.Null(sdp.Range!.Value.EndSeconds);
        Assert.Throws<ArgumentException>(() => WmsSdpWriter.Write(new WmsSdpOptions { AsfHeader = file, ControlUrl = "rtsp://h/x/", MaxHeaderBlobBytes = 100 }));
        Assert.Throws<MmsProtocolException>(() => WmsSdpWriter.Write(new WmsSdpOptions { AsfHeader = new byte[40], ControlUrl = "rtsp://h/x/" }));
    }
}
