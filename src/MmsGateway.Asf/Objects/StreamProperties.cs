using System.Buffers.Binary;

namespace MmsGateway.Asf.Objects;

public enum AsfStreamType
{
    Unknown,
    Audio,
    Video,
    Command,
    Jfif,
    DegradableJpeg,
    FileTransfer,
    Binary,
}

/// <summary>WAVEFORMATEX from an audio stream's type-specific data (docs/protocol/asf.md#s4.4).</summary>
public sealed record AudioFormat(
    ushort FormatTag, ushort Channels, uint SamplesPerSecond, uint AverageBytesPerSecond, ushort BlockAlign,
    ushort BitsPerSample, ReadOnlyMemory<byte> CodecData)
{
    /// <summary>Short codec name in ffmpeg's vocabulary, so probe output lines up with ffprobe's.</summary>
    public string CodecName => FormatTag switch
    {
        0x0160 => "wmav1",
        0x0161 => "wmav2",
        0x0162 => "wmapro",
        0x0163 => "wmalossless",
        0x000A => "wmavoice",
        0x0055 => "mp3",
        0x0050 => "mp2",
        0x0001 => "pcm",
        0x0002 => "adpcm_ms",
        0x0011 => "adpcm_ima_wav",
        0x00FF or 0x1610 or 0x4143 => "aac",
        0x2000 => "ac3",
        0x0130 => "sipr",
        _ => $"0x{FormatTag:X4}",
    };

    internal static AudioFormat Read(ReadOnlySpan<byte> data, long offset)
    {
        var r = new AsfSpanReader(data, offset, "Stream Properties (WAVEFORMATEX)");
        var tag = r.ReadUInt16("wFormatTag");
        var channels = r.ReadUInt16("nChannels");
        var rate = r.ReadUInt32("nSamplesPerSec");
        var avg = r.ReadUInt32("nAvgBytesPerSec");
        var align = r.ReadUInt16("nBlockAlign");
        var bits = r.ReadUInt16("wBitsPerSample");
        // cbSize is optional in the oldest files (a bare 16-byte WAVEFORMAT); clamp extra bytes to what is there.
        var extra = r.Remaining >= 2 ? r.ReadUInt16("cbSize") : 0;
        var codecData = r.ReadBytes(Math.Min(extra, r.Remaining), "codec data").ToArray();
        return new AudioFormat(tag, channels, rate, avg, align, bits, codecData);
    }
}

/// <summary>Video type-specific data with its BITMAPINFOHEADER (docs/protocol/asf.md#s4.4).</summary>
public sealed record VideoFormat(uint Width, uint Height, uint FourCc, ushort BitCount, ReadOnlyMemory<byte> CodecData)
{
    public string FourCcText => string.Create(4, FourCc, static (span, cc) =>
    {
        for (var i = 0; i < 4; i++)
        {
            var c = (char)((cc >> (8 * i)) & 0xFF);
            span[i] = c is >= ' ' and <= '~' ? c : '?';
        }
    });

    /// <summary>Short codec name in ffmpeg's vocabulary.</summary>
    public string CodecName => FourCcText.ToUpperInvariant() switch
    {
        "WMV1" => "wmv1",
        "WMV2" => "wmv2",
        "WMV3" => "wmv3",
        "WMVA" or "WVC1" => "vc1",
        "WMVP" or "WVP2" => "wmv3image",
        "MP43" => "msmpeg4v3",
        "MP42" => "msmpeg4v2",
        "MPG4" => "msmpeg4v1",
        "MP4S" or "M4S2" or "XVID" or "DIVX" or "FMP4" => "mpeg4",
        "H264" or "AVC1" or "X264" => "h264",
        "MJPG" => "mjpeg",
        _ => FourCcText.Trim().ToLowerInvariant(),
    };

    internal static VideoFormat Read(ReadOnlySpan<byte> data, long offset)
    {
        var r = new AsfSpanReader(data, offset, "Stream Properties (video format)");
        var width = r.ReadUInt32("Encoded Image Width");
        var height = r.ReadUInt32("Encoded Image Height");
        r.Skip(1, "Reserved Flags");
        var formatSize = r.ReadUInt16("Format Data Size");
        var format = r.ReadBytes(Math.Min(formatSize, r.Remaining), "Format Data");
        var b = new AsfSpanReader(format, offset + 11, "BITMAPINFOHEADER");
        var biSize = b.ReadUInt32("biSize");
        b.Skip(8, "biWidth/biHeight");
        b.Skip(2, "biPlanes");
        var bitCount = b.ReadUInt16("biBitCount");
        var fourCc = b.ReadUInt32("biCompression");
        b.Skip(20, "biSizeImage..biClrImportant");
        var codecData = format[(int)Math.Min(Math.Max(biSize, 40u), (uint)format.Length)..].ToArray();
        return new VideoFormat(width, height, fourCc, bitCount, codecData);
    }
}

/// <summary>
/// Stream Properties Object (docs/protocol/asf.md#s4.4), top-level or embedded in an Extended Stream Properties object.
/// </summary>
public sealed class StreamProperties
{
    public const int FixedSize = 78;

    public required int StreamNumber { get; init; }
    public required Guid StreamTypeGuid { get; init; }
    public required Guid ErrorCorrectionType { get; init; }
    public required ulong TimeOffset { get; init; }
    public required bool IsEncrypted { get; init; }
    public required ReadOnlyMemory<byte> TypeSpecificData { get; init; }
    public required ReadOnlyMemory<byte> ErrorCorrectionData { get; init; }

    /// <summary>True when the stream was declared only inside an Extended Stream Properties object (docs/protocol/asf.md#s4.6).</summary>
    public bool IsEmbedded { get; init; }

    public AudioFormat? Audio { get; init; }
    public VideoFormat? Video { get; init; }

    public AsfStreamType Type =>
        StreamTypeGuid == AsfGuids.AudioMedia ? AsfStreamType.Audio
        : StreamTypeGuid == AsfGuids.VideoMedia ? AsfStreamType.Video
        : StreamTypeGuid == AsfGuids.CommandMedia ? AsfStreamType.Command
        : StreamTypeGuid == AsfGuids.JfifMedia ? AsfStreamType.Jfif
        : StreamTypeGuid == AsfGuids.DegradableJpegMedia ? AsfStreamType.DegradableJpeg
        : StreamTypeGuid == AsfGuids.FileTransferMedia ? AsfStreamType.FileTransfer
        : StreamTypeGuid == AsfGuids.BinaryMedia ? AsfStreamType.Binary
        : AsfStreamType.Unknown;

    /// <summary>Audio Spread error correction with a span above 1 interleaves audio across packets (docs/protocol/asf.md#s4.4).</summary>
    public int AudioSpreadSpan =>
        ErrorCorrectionType == AsfGuids.AudioSpread && ErrorCorrectionData.Length > 0 ? ErrorCorrectionData.Span[0] : 1;

    public string CodecName => Audio?.CodecName ?? Video?.CodecName ?? Type.ToString().ToLowerInvariant();

    internal static StreamProperties Read(ReadOnlySpan<byte> obj, long offset, bool embedded)
    {
        var r = new AsfSpanReader(obj, offset, "Stream Properties");
        r.Skip(24, "object header");
        var type = r.ReadGuid("Stream Type");
        var ecType = r.ReadGuid("Error Correction Type");
        var timeOffset = r.ReadUInt64("Time Offset");
        var typeLength = r.ReadUInt32("Type-Specific Data Length");
        var ecLength = r.ReadUInt32("Error Correction Data Length");
        var flags = r.ReadUInt16("Flags");
        r.Skip(4, "Reserved");
        if (typeLength > (uint)r.Remaining || ecLength > (uint)(r.Remaining - (int)typeLength))
            throw r.Error($"type-specific ({typeLength}) and error correction ({ecLength}) data overrun the object");
        var typeStart = r.AbsolutePosition;
        var typeData = r.ReadBytes((int)typeLength, "Type-Specific Data");
        var ecData = r.ReadBytes((int)ecLength, "Error Correction Data");
        var number = flags & 0x7F;
        if (number == 0) throw new AsfFormatException("Stream Properties", offset + 72, "stream number 0 is invalid");

        AudioFormat? audio = null;
        VideoFormat? video = null;
        if (type == AsfGuids.AudioMedia) audio = AudioFormat.Read(typeData, typeStart);
        else if (type == AsfGuids.VideoMedia) video = VideoFormat.Read(typeData, typeStart);

        return new StreamProperties
        {
            StreamNumber = number,
            StreamTypeGuid = type,
            ErrorCorrectionType = ecType,
            TimeOffset = timeOffset,
            IsEncrypted = (flags & 0x8000) != 0,
            TypeSpecificData = typeData.ToArray(),
            ErrorCorrectionData = ecData.ToArray(),
            IsEmbedded = embedded,
            Audio = audio,
            Video = video,
        };
    }

    internal static int ReadStreamNumber(ReadOnlySpan<byte> obj) => BinaryPrimitives.ReadUInt16LittleEndian(obj[72..]) & 0x7F;
}
