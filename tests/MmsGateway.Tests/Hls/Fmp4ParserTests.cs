using System.Buffers.Binary;
using System.Collections.Concurrent;
using MmsGateway.Hls.Fmp4;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Hls;

/// <summary>The fMP4 parser against ffmpeg's own fragmented output, and against hand-made boxes for the flag variants.</summary>
public sealed class Fmp4ParserTests
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Made = new();

    /// <summary>4 s of H.264 (key frame every 10 frames at 25 fps) + AAC as ffmpeg writes it for the gateway.</summary>
    private static Task<string> FragmentedAsync() => Made.GetOrAdd("av", _ => new Lazy<Task<string>>(async () =>
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-fmp4-").FullName, "frag.mp4");
        var result = await ToolRunner.FfmpegAsync("-y", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=4",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=4", "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", "10",
            "-sc_threshold", "0", "-c:a", "aac", "-b:a", "96k",
            "-f", "mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "200000", path);
        Assert.True(result.ExitCode == 0, result.ToString());
        return path;
    })).Value;

    private static async Task<(Fmp4Init Init, List<Fmp4Fragment> Fragments)> ReadAllAsync(string path)
    {
        await using var file = File.OpenRead(path);
        var reader = new Fmp4StreamReader(new TrickleStream(file));
        Fmp4Init? init = null;
        var fragments = new List<Fmp4Fragment>();
        while (await reader.ReadAsync(CancellationToken.None) is { } item)
        {
            if (item is Fmp4Init i) init = i;
            else fragments.Add((Fmp4Fragment)item);
        }
        return (init!, fragments);
    }

    [Fact]
    public async Task Reads_ffmpegs_init_segment_and_fragments_with_their_key_frames_and_timing()
    {
        var (init, fragments) = await ReadAllAsync(await FragmentedAsync());

        Assert.NotNull(init);
        Assert.Equal(BoxType.Ftyp, BinaryPrimitives.ReadUInt32BigEndian(init.Data.AsSpan(4)));
        var video = init.Video!;
        var audio = init.Audio!;
        Assert.StartsWith("avc1.64", video.Codec);
        Assert.Equal((320, 240), (video.Width, video.Height));
        Assert.Equal("mp4a.40.2", audio.Codec);
        Assert.Equal($"{video.Codec},mp4a.40.2", init.Codecs);

        // Key frames every 10 frames (0.4 s) and fragments of at most ~0.2 s: every other fragment starts with one.
        Assert.InRange(fragments.Count, 18, 24);
        var starts = fragments.Select(f => f.Track(video.TrackId)).Where(t => t is not null).Select(t => t!.Value).ToList();
        Assert.True(starts[0].StartsWithSync);
        long frame = 0;
        foreach (var t in starts)
        {
            Assert.Equal(frame % 10 == 0, t.StartsWithSync);
            Assert.Equal((ulong)(frame * video.Timescale / 25), t.BaseDecodeTime);
            frame += t.SampleCount;
        }
        Assert.Equal(100, frame);
        var seconds = starts.Sum(t => (double)t.Duration) / video.Timescale;
        Assert.InRange(seconds, 3.95, 4.05);
        var audioSeconds = fragments.Select(f => f.Track(audio.TrackId)).Where(t => t is not null).Sum(t => (double)t!.Value.Duration) / audio.Timescale;
        Assert.InRange(audioSeconds, 3.9, 4.1);

        // The fragments, joined after the init segment, are the file ffmpeg wrote (nothing lost, nothing added).
        var joined = init.Data.Concat(fragments.SelectMany(f => f.Data)).ToArray();
        var original = await File.ReadAllBytesAsync(await FragmentedAsync());
        Assert.Equal(original.AsSpan(0, joined.Length).ToArray(), joined);
    }

    [Fact]
    public async Task The_key_frames_found_are_the_ones_ffprobe_finds()
    {
        var path = await FragmentedAsync();
        var (init, fragments) = await ReadAllAsync(path);
        var probe = await ToolRunner.FfprobeAsync("-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags", "-of", "csv=p=0", path);
        var keyPackets = probe.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select((f, i) => (f, i)).Where(x => x.f.StartsWith('K')).Select(x => x.i).ToList();
        var video = init.Video!.TrackId;
        var keyStarts = new List<int>();
        var index = 0;
        foreach (var t in fragments.Select(f => f.Track(video)).Where(t => t is not null).Select(t => t!.Value))
        {
            if (t.StartsWithSync) keyStarts.Add(index);
            index += t.SampleCount;
        }
        Assert.Equal(keyPackets, keyStarts);
    }

    [Fact]
    public void Sample_flags_come_from_trun_first_sample_flags_then_tfhd_then_trex_and_sdtp()
    {
        const uint nonSync = 0x0101_0000;
        const uint sync = 0x0200_0000;
        var init = new Fmp4Init([], [new Mp4Track(1, Mp4TrackKind.Video, 90000, "avc1.64001e", 320, 240, 3600, nonSync)]);

        // trex default (non-sync) with first_sample_flags saying sync.
        var withFirst = Fragment(Traf(Tfhd(1, null, null), Tfdt(180000), Trun(3, firstFlags: sync)));
        var t = Fmp4Fragment.Parse(withFirst, init).Track(1)!.Value;
        Assert.True(t.StartsWithSync);
        Assert.Equal((ulong)180000, t.BaseDecodeTime);
        Assert.Equal((ulong)(3 * 3600), t.Duration);
        Assert.Equal(3, t.SampleCount);

        // Only the trex default: not a key frame.
        Assert.False(Fmp4Fragment.Parse(Fragment(Traf(Tfhd(1, null, null), Tfdt(0), Trun(2))), init).Track(1)!.Value.StartsWithSync);
        // tfhd default flags (sync) override trex, and tfhd default duration overrides trex's.
        var tfhdDefaults = Fmp4Fragment.Parse(Fragment(Traf(Tfhd(1, 3000, sync), Tfdt(0), Trun(2))), init).Track(1)!.Value;
        Assert.True(tfhdDefaults.StartsWithSync);
        Assert.Equal((ulong)6000, tfhdDefaults.Duration);
        // Per-sample durations and flags in the trun.
        var perSample = Fmp4Fragment.Parse(Fragment(Traf(Tfhd(1, null, null), Tfdt(0), Trun(2, durations: [1000, 2000], flags: [sync, nonSync]))), init).Track(1)!.Value;
        Assert.True(perSample.StartsWithSync);
        Assert.Equal((ulong)3000, perSample.Duration);
        // sdtp: sample_depends_on = 2 (an I picture) marks a key frame even when the flags carry no sync information.
        var sdtp = Box("sdtp", [0, 0, 0, 0, 0x20, 0x10]);
        Assert.True(Fmp4Fragment.Parse(Fragment(Traf(Tfhd(1, null, null), Tfdt(0), Trun(2), sdtp)), init).Track(1)!.Value.StartsWithSync);
    }

    [Fact]
    public void Audio_codec_strings_come_from_the_esds_descriptors()
    {
        // ES_Descriptor(ES_ID 1) > DecoderConfigDescriptor(0x40 = MPEG-4 audio) > DecoderSpecificInfo (AAC LC, 44.1 kHz, stereo)
        byte[] aacLc = [0, 0, 0, 0, 0x03, 0x19, 0x00, 0x01, 0x00, 0x04, 0x11, 0x40, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x02, 0x12, 0x10, 0x06, 0x01, 0x02];
        Assert.Equal("mp4a.40.2", Fmp4Init.AudioCodec(aacLc));
        var heAac = (byte[])aacLc.Clone();
        heAac[26] = 0x2B; // audio object type 5 (SBR)
        Assert.Equal("mp4a.40.5", Fmp4Init.AudioCodec(heAac));
        var mp3 = (byte[])aacLc.Clone();
        mp3[11] = 0x6B;
        Assert.Equal("mp4a.40.34", Fmp4Init.AudioCodec(mp3));
    }

    [Fact]
    public async Task A_stream_cut_inside_a_box_is_an_error_not_a_fragment()
    {
        var bytes = await File.ReadAllBytesAsync(await FragmentedAsync());
        var reader = new Fmp4StreamReader(new MemoryStream(bytes[..(bytes.Length / 2)]));
        await Assert.ThrowsAsync<Mp4FormatException>(async () =>
        {
            while (await reader.ReadAsync(CancellationToken.None) is not null) { }
        });
        var garbage = new Fmp4StreamReader(new MemoryStream([0, 0, 0, 3, (byte)'m', (byte)'o', (byte)'o', (byte)'f']));
        await Assert.ThrowsAsync<Mp4FormatException>(async () => await garbage.ReadAsync(CancellationToken.None));
    }

    private static byte[] Box(string type, params byte[][] parts)
    {
        var body = parts.SelectMany(p => p).ToArray();
        var box = new byte[8 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(box, (uint)box.Length);
        for (var i = 0; i < 4; i++) box[4 + i] = (byte)type[i];
        body.CopyTo(box, 8);
        return box;
    }

    private static byte[] U32(uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return b;
    }

    private static byte[] Fragment(byte[] traf) => [.. Box("moof", Box("mfhd", U32(0), U32(1)), traf), .. Box("mdat")];

    private static byte[] Traf(params byte[][] children) => Box("traf", children);

    private static byte[] Tfhd(uint track, uint? duration, uint? flags)
    {
        var tf = 0x020000u | (duration is null ? 0 : 0x8u) | (flags is null ? 0 : 0x20u);
        var parts = new List<byte[]> { U32(tf), U32(track) };
        if (duration is { } d) parts.Add(U32(d));
        if (flags is { } f) parts.Add(U32(f));
        return Box("tfhd", [.. parts]);
    }

    private static byte[] Tfdt(ulong time)
    {
        var b = new byte[12];
        b[0] = 1;
        BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(4), time);
        return Box("tfdt", b);
    }

    private static byte[] Trun(int count, uint? firstFlags = null, uint[]? durations = null, uint[]? flags = null)
    {
        var tf = 0x1u | (firstFlags is null ? 0 : 0x4u) | (durations is null ? 0 : 0x100u) | (flags is null ? 0 : 0x400u);
        var parts = new List<byte[]> { U32(tf), U32((uint)count), U32(0) };
        if (firstFlags is { } ff) parts.Add(U32(ff));
        for (var i = 0; i < count; i++)
        {
            if (durations is not null) parts.Add(U32(durations[i]));
            if (flags is not null) parts.Add(U32(flags[i]));
        }
        return Box("trun", [.. parts]);
    }

    /// <summary>Hands out at most a few bytes per read, as a pipe from a process may.</summary>
    private sealed class TrickleStream(Stream inner) : Stream
    {
        private int _turn;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 1 + (_turn++ % 7) * 977));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
