using System.Globalization;
using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Streams;

namespace MmsGateway.Hls;

/// <summary>
/// One HLS rendition of a hub: one ASF video stream (or none, for audio-only sources) with the chosen audio
/// stream, and how ffmpeg turns them into H.264/AAC (or copies them when they already are browser-safe).
/// </summary>
public sealed record HlsVariant(
    string Id, int? VideoStream, int? AudioStream, bool CopyVideo, bool CopyAudio, long VideoBitrate, long AudioBitrate,
    int Width, int Height, int AudioChannels, string Codecs)
{
    /// <summary>The ASF streams this rendition's ffmpeg reads.</summary>
    public AsfStreamSet Streams
    {
        get
        {
            var set = AsfStreamSet.None;
            if (VideoStream is { } v) set = set.With(v);
            if (AudioStream is { } a) set = set.With(a);
            return set;
        }
    }

    public bool IsAudioOnly => VideoStream is null;

    /// <summary>Peak bits per second as <c>BANDWIDTH</c>: the media bitrate with headroom for encoder peaks and fMP4 overhead.</summary>
    public long Bandwidth => (long)((VideoBitrate * (CopyVideo ? 1.5 : 1.25)) + (AudioBitrate * 1.1)) + 8_000;

    public long AverageBandwidth => (long)((VideoBitrate + AudioBitrate) * 1.05);

    public string ContentType => IsAudioOnly ? "audio/mp4" : "video/mp4";

    /// <summary>
    /// The variants of a hub stream: one per video stream it carries (best first, so players start at the best
    /// quality and step down by ABR), each with the best audio stream; an audio-only source gives one audio variant.
    /// Bitrates are the header's declared ones, else measured, else estimated from the picture size.
    /// </summary>
    public static IReadOnlyList<HlsVariant> Ladder(HubStream stream, HlsOptions options)
    {
        var header = stream.Header;
        var audio = stream.AudioStreams.Numbers.OrderByDescending(stream.BitrateOf).Cast<int?>().FirstOrDefault();
        var audioProps = audio is { } an ? header.FindStream(an)?.Audio : null;
        var copyAudio = options.CopyBrowserSafeCodecs && audioProps?.CodecName is "aac" or "mp3";
        var sourceAudioBitrate = audio is { } ab ? stream.BitrateOf(ab) : 0;
        var audioBitrate = audio is null ? 0 : copyAudio ? Math.Max(sourceAudioBitrate, 64_000) : Math.Clamp(sourceAudioBitrate, 64_000, 192_000);
        if (audio is not null && !copyAudio && sourceAudioBitrate == 0) audioBitrate = 128_000;
        var audioCodec = audioProps is null ? null : copyAudio ? CopiedAudioCodec(audioProps) : "mp4a.40.2";
        var channels = audioProps is null ? 0 : Math.Min((int)audioProps.Channels, 2);

        var variants = new List<HlsVariant>();
        var candidates = stream.VideoStreams.Numbers
            .Select(n => (Number: n, Format: header.FindStream(n)?.Video, Bitrate: stream.BitrateOf(n), Declared: header.DeclaredBitrate(n) is not null))
            .Where(v => v.Format is not null)
            .ToList();
        // Declared bitrates (Windows Media encoders write them) order the ladder as smart streaming would; measured
        // ones (ffmpeg-written headers declare none) are too noisy for that, so the picture size orders it first.
        var videos = candidates.All(v => v.Declared)
            ? candidates.OrderByDescending(v => v.Bitrate).ThenByDescending(v => (long)v.Format!.Width * v.Format.Height).ToList()
            : candidates.OrderByDescending(v => (long)v.Format!.Width * v.Format.Height).ThenByDescending(v => v.Bitrate).ToList();
        long previous = long.MaxValue;
        foreach (var (number, format, sourceBitrate, _) in videos)
        {
            var copyVideo = options.CopyBrowserSafeCodecs && format!.CodecName == "h264";
            var width = (int)format!.Width;
            var height = (int)format.Height;
            var estimate = Math.Max(200_000L, (long)width * height * 3);
            var videoBitrate = sourceBitrate > 0 ? sourceBitrate : estimate;
            if (!copyVideo)
            {
                // Each encoded variant below the first gets clearly less than the one above it, so ABR has steps.
                videoBitrate = Math.Clamp(Math.Min(videoBitrate, previous == long.MaxValue ? long.MaxValue : previous * 85 / 100), 100_000, options.MaxVideoBitrate);
            }
            previous = videoBitrate;
            var videoCodec = copyVideo ? CopiedVideoCodec(format) : EncodedVideoCodec(width, height);
            var codecs = audioCodec is null ? videoCodec : $"{videoCodec},{audioCodec}";
            variants.Add(new HlsVariant(string.Create(CultureInfo.InvariantCulture, $"v{number}"), number, audio, copyVideo, copyAudio,
                videoBitrate, audioBitrate, width, height, channels, codecs));
        }
        if (variants.Count == 0 && audio is not null)
            variants.Add(new HlsVariant("audio", null, audio, false, copyAudio, 0, audioBitrate, 0, 0, channels, audioCodec!));
        return variants;
    }

    /// <summary>The H.264 level ffmpeg is told to encode at for a picture size (High profile).</summary>
    public static string EncodedLevel(int width, int height)
    {
        long pixels = (long)width * height;
        return pixels <= 414_720 ? "3.0" : pixels <= 921_600 ? "3.1" : pixels <= 2_088_960 ? "4.0" : "5.1";
    }

    public static string EncodedVideoCodec(int width, int height) => EncodedLevel(width, height) switch
    {
        "3.0" => "avc1.64001e",
        "3.1" => "avc1.64001f",
        "4.0" => "avc1.640028",
        _ => "avc1.640033",
    };

    /// <summary>The codec string of copied H.264: from the SPS in the stream's codec data (Annex B or avcC), else a guess.</summary>
    internal static string CopiedVideoCodec(VideoFormat format)
    {
        var data = format.CodecData.Span;
        if (data.Length >= 4 && data[0] == 1) return string.Create(CultureInfo.InvariantCulture, $"avc1.{data[1]:x2}{data[2]:x2}{data[3]:x2}");
        for (var i = 0; i + 6 < data.Length; i++)
        {
            if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 && (data[i + 3] & 0x1F) == 7)
                return string.Create(CultureInfo.InvariantCulture, $"avc1.{data[i + 4]:x2}{data[i + 5]:x2}{data[i + 6]:x2}");
        }
        return "avc1.640028";
    }

    internal static string CopiedAudioCodec(AudioFormat format)
    {
        if (format.CodecName == "mp3") return "mp4a.40.34";
        var data = format.CodecData.Span;
        // AudioSpecificConfig in the WAVEFORMATEX extra bytes: its first five bits are the audio object type.
        var aot = data.Length >= 1 ? data[0] >> 3 : 2;
        return string.Create(CultureInfo.InvariantCulture, $"mp4a.40.{(aot is > 0 and < 31 ? aot : 2)}");
    }
}
