using System.Globalization;

namespace MmsGateway.Hls;

/// <summary>
/// The ffmpeg command line of one rendition: ASF on standard input, fragmented MP4 on standard output. Encoding
/// uses libx264 (zero-latency tuning, key frames forced on the segment grid so every segment can start with one)
/// and AAC; browser-safe sources are copied. Fragments are cut at every key frame and at the part duration, and
/// flushed at once, so each fragment is one HLS part.
/// </summary>
public static class FfmpegArguments
{
    public static IReadOnlyList<string> For(HlsVariant variant, HlsOptions options)
    {
        var segment = options.SegmentDuration.TotalSeconds;
        var part = options.PartDuration.TotalSeconds;
        var args = new List<string>
        {
            "-hide_banner", "-nostdin", "-nostats", "-loglevel", "warning",
            // Start fast: the ASF header already describes the streams; read little before starting.
            "-probesize", "32768", "-analyzeduration", "200000", "-fflags", "+nobuffer",
            "-f", "asf", "-i", "pipe:0",
        };
        if (variant.VideoStream is not null)
        {
            args.AddRange(["-map", "0:v:0"]);
            if (variant.AudioStream is not null) args.AddRange(["-map", "0:a:0?"]);
        }
        else
        {
            args.AddRange(["-map", "0:a:0", "-vn"]);
        }
        args.AddRange(["-sn", "-dn"]);

        if (variant.VideoStream is not null)
        {
            if (variant.CopyVideo)
            {
                args.AddRange(["-c:v", "copy"]);
            }
            else
            {
                var bitrate = variant.VideoBitrate;
                args.AddRange(
                [
                    "-c:v", "libx264", "-preset", options.Preset, "-tune", "zerolatency",
                    "-profile:v", "high", "-level:v", HlsVariant.EncodedLevel(variant.Width, variant.Height), "-pix_fmt", "yuv420p",
                    "-b:v", Text(bitrate), "-maxrate", Text(bitrate * 6 / 5), "-bufsize", Text(bitrate),
                    // Key frames on the segment grid, shifted by one part so that the first segment is one part long and a
                    // cold stream is playable at once: at 0, then at P + n·S.
                    "-force_key_frames", Invariant($"expr:if(eq(n_forced,0),gte(t,0),gte(t,{part}+(n_forced-1)*{segment}))"),
                    "-sc_threshold", "0", "-g", "600", "-fps_mode", "passthrough",
                ]);
                // Always the variant's own picture size (even for H.264): when smart streaming feeds the rendition another
                // source stream, its segments keep the size the multivariant playlist announced.
                args.AddRange(["-vf", Invariant($"scale={variant.Width / 2 * 2}:{variant.Height / 2 * 2}")]);
            }
        }
        if (variant.AudioStream is not null)
        {
            if (variant.CopyAudio) args.AddRange(["-c:a", "copy"]);
            else
            {
                args.AddRange(["-c:a", "aac", "-b:a", Text(variant.AudioBitrate)]);
                if (variant.AudioChannels > 0) args.AddRange(["-ac", Text(variant.AudioChannels)]);
            }
        }
        var flags = "+frag_keyframe+empty_moov+default_base_moof";
        if (variant.CopyVideo) flags += "+delay_moov"; // copied H.264 may carry its parameter sets in-band only
        var fragment = (long)(options.PartDuration.TotalMicroseconds * 0.8);
        args.AddRange(
        [
            "-max_interleave_delta", "500000", "-muxdelay", "0", "-muxpreload", "0",
            "-f", "mp4", "-movflags", flags, "-frag_duration", Text(fragment), "-flush_packets", "1", "pipe:1",
        ]);
        return args;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
