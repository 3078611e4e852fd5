using Microsoft.Extensions.Options;
using MmsGateway.Asf;
using MmsGateway.Hls;
using MmsGateway.Streams;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Hls;

/// <summary>Which variants a source gives, what they claim, and the ffmpeg command line each one runs.</summary>
public sealed class HlsVariantTests
{
    private static readonly HlsOptions Options = new();

    private static async Task<HubStream> HubStreamOfAsync(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        var header = AsfHeaderReader.Parse(bytes);
        return new HubStream(1, header, header.AllStreams, header.AllStreams, new PacketRing(64, header.PacketSize), new MmsGateway.Adaptation.StreamBitrateMeter());
    }

    [Fact]
    public async Task A_multi_bitrate_source_gives_one_encoded_variant_per_video_stream_best_first()
    {
        var ladder = HlsVariant.Ladder(await HubStreamOfAsync(await GeneratedMedia.MultiBitrateAsync()), Options);
        Assert.Equal(["v1", "v2", "v3"], ladder.Select(v => v.Id));
        Assert.Equal([(320, 240), (320, 240), (160, 120)], ladder.Select(v => (v.Width, v.Height)));
        Assert.All(ladder, v => Assert.Equal("avc1.64001e,mp4a.40.2", v.Codecs));
        Assert.All(ladder, v => Assert.False(v.CopyVideo || v.CopyAudio));
        Assert.All(ladder, v => Assert.Equal(4, v.AudioStream));
        // Without declared or measured bitrates, estimates that still step down the ladder.
        var bandwidths = ladder.Select(v => v.Bandwidth).ToList();
        Assert.Equal(bandwidths.OrderDescending(), bandwidths);
        Assert.Equal(3, bandwidths.Distinct().Count());
        Assert.Equal(AsfStreamSet.Of(1, 4), ladder[0].Streams);
    }

    [Fact]
    public async Task An_audio_only_source_gives_one_audio_variant()
    {
        var ladder = HlsVariant.Ladder(await HubStreamOfAsync(await GeneratedMedia.AudioOnlyAsync()), Options);
        var audio = Assert.Single(ladder);
        Assert.Equal("audio", audio.Id);
        Assert.True(audio.IsAudioOnly);
        Assert.Equal("mp4a.40.2", audio.Codecs);
        Assert.Equal("audio/mp4", audio.ContentType);
        var args = FfmpegArguments.For(audio, Options).ToList();
        Assert.Contains("-vn", args);
        Assert.DoesNotContain("libx264", args);
        Assert.Equal("aac", args[args.IndexOf("-c:a") + 1]);
    }

    [Fact]
    public void Encoding_forces_key_frames_on_the_segment_grid_and_writes_fragmented_mp4()
    {
        var variant = new HlsVariant("v1", 1, 2, false, false, 400_000, 64_000, 640, 480, 2, "avc1.64001e,mp4a.40.2");
        var args = FfmpegArguments.For(variant, Options).ToList();
        string After(string flag) => args[args.IndexOf(flag) + 1];
        Assert.Equal("libx264", After("-c:v"));
        Assert.Equal("zerolatency", After("-tune"));
        Assert.Equal("3.0", After("-level:v"));
        Assert.Equal("400000", After("-b:v"));
        Assert.Equal("expr:if(eq(n_forced,0),gte(t,0),gte(t,0.25+(n_forced-1)*1))", After("-force_key_frames"));
        Assert.Equal("+frag_keyframe+empty_moov+default_base_moof", After("-movflags"));
        Assert.Equal("200000", After("-frag_duration"));
        Assert.Equal("mp4", args[args.LastIndexOf("-f") + 1]);
        Assert.Equal("pipe:1", args[^1]);
        Assert.Equal("pipe:0", After("-i"));

        var copied = FfmpegArguments.For(variant with { CopyVideo = true, CopyAudio = true }, Options).ToList();
        Assert.Equal("copy", copied[copied.IndexOf("-c:v") + 1]);
        Assert.Equal("copy", copied[copied.IndexOf("-c:a") + 1]);
        Assert.DoesNotContain("-force_key_frames", copied);
        Assert.Contains("+delay_moov", copied[copied.IndexOf("-movflags") + 1]);
    }

    [Fact]
    public void H264_levels_and_codec_strings_follow_the_picture_size()
    {
        Assert.Equal("avc1.64001e", HlsVariant.EncodedVideoCodec(640, 480));
        Assert.Equal("avc1.64001f", HlsVariant.EncodedVideoCodec(1280, 720));
        Assert.Equal("avc1.640028", HlsVariant.EncodedVideoCodec(1920, 1080));
        Assert.Equal("avc1.640033", HlsVariant.EncodedVideoCodec(3840, 2160));
    }

    [Fact]
    public void Options_are_validated_with_their_keys()
    {
        var validator = new HlsOptionsValidator();
        Assert.True(validator.Validate(null, new HlsOptions()).Succeeded);
        var bad = validator.Validate(null, new HlsOptions
        {
            FfmpegPath = "", SegmentDuration = TimeSpan.FromSeconds(30), PartDuration = TimeSpan.FromMilliseconds(10), WindowSegments = 1, Preset = "warp",
        });
        Assert.False(bad.Succeeded);
        foreach (var key in new[] { "Gateway:Hls:FfmpegPath", "Gateway:Hls:SegmentDuration", "Gateway:Hls:PartDuration", "Gateway:Hls:WindowSegments", "Gateway:Hls:Preset" })
            Assert.Contains(bad.Failures!, f => f.StartsWith(key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bad_hls_option_stops_the_gateway_at_start_naming_the_key()
    {
        var app = GatewayHost.Build(["--urls", "http://127.0.0.1:0", "--Gateway:Demo=false", "--Gateway:Hls:SegmentDuration=00:01:00"]);
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("Gateway:Hls:SegmentDuration", e.Message);
        await app.DisposeAsync();
    }
}
