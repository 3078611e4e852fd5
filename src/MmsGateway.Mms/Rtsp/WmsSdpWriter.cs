using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using MmsGateway.Asf;
using MmsGateway.Asf.Objects;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// Writes the SDP of a DESCRIBE answer the way WMS does and ffmpeg and VLC accept (docs/protocol/rtsp.md#s0,
/// docs/protocol/rtsp.md#s3): session lines, <c>a=maxps</c>, the absolute control URL, an npt range (open for
/// live), the pgmpu header line before any <c>m=</c>, one audio or video description per ASF stream with
/// <c>a=rtpmap</c> before <c>a=stream</c>, and the rtx description last.
/// </summary>
public static class WmsSdpWriter
{
    /// <summary>Largest header blob ffmpeg reads whole: 16 383 characters of line, less the 51 of its prefix, as base64 (docs/protocol/rtsp.md#s0.3).</summary>
    public const int FfmpegMaxHeaderBlobBytes = 12249;

    /// <summary>The payload type of every description (docs/protocol/rtsp.md#s3.4).</summary>
    public const int PayloadType = 96;

    /// <summary>The <c>a=stream</c> number of the rtx description.</summary>
    public const int RetransmissionStreamNumber = 65536;

    /// <summary>The <c>a=control</c> of the rtx description.</summary>
    public const string RetransmissionControl = "rtx";

    /// <summary>The <c>a=control</c> this writer gives ASF stream <paramref name="streamNumber"/>: <c>stream=N</c>, as WMS does for video.</summary>
    public static string ControlOf(int streamNumber) => string.Create(CultureInfo.InvariantCulture, $"stream={streamNumber}");

    /// <summary>The ASF stream number of a control written by <see cref="ControlOf"/> (the last path segment of a SETUP URL), or null.</summary>
    public static int? StreamOfControl(string control)
    {
        ArgumentNullException.ThrowIfNull(control);
        string last = control.TrimEnd('/');
        last = last[(last.LastIndexOf('/') + 1)..];
        return last.StartsWith("stream=", StringComparison.Ordinal)
            && int.TryParse(last.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;
    }

    /// <summary>
    /// The pgmpu blob: the Header Object with minimum packet size set to the maximum, then a 50-byte Data Object start
    /// of size 50 and 0 packets (docs/protocol/rtsp.md#s3.2).
    /// </summary>
    public static byte[] HeaderBlob(ReadOnlySpan<byte> asfHeader)
    {
        AsfHeader header = ParseHeader(asfHeader);
        int size = header.Raw.Length;
        byte[] blob = new byte[size + AsfDataObjectHeader.Size];
        header.Raw.Span.CopyTo(blob);
        foreach (var obj in header.Objects)
        {
            if (obj.Id != AsfGuids.FileProperties || obj.Length < FileProperties.ObjectSize) continue;
            // Minimum at object offset 92, maximum at 96 (docs/protocol/asf.md#s4.3).
            uint max = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(obj.Offset + 96));
            BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(obj.Offset + 92), max);
        }

        AsfDataObjectHeader.Write(blob.AsSpan(size), header.FileProperties.FileId, AsfDataObjectHeader.Size, 0);
        return blob;
    }

    /// <summary>Top-level header objects a player does not need to decode the streams (descriptions, branding, scripts, markers, padding).</summary>
    private static readonly Guid[] Droppable =
    [
        AsfGuids.ContentDescription, AsfGuids.ExtendedContentDescription, AsfGuids.ContentBranding, AsfGuids.ScriptCommand,
        AsfGuids.Marker, AsfGuids.Padding,
    ];

    /// <summary>Header Extension children a player does not need (metadata, which carries cover art, and padding).</summary>
    private static readonly Guid[] DroppableExtensions = [AsfGuids.Metadata, AsfGuids.MetadataLibrary, AsfGuids.Padding];

    /// <summary>
    /// The Header Object without the objects a player does not need to decode the streams: content and extended content
    /// descriptions, branding, script commands, markers, metadata and padding, with the Header Object's size and count
    /// and the Header Extension's sizes fixed. For headers too large for one SDP line (docs/protocol/rtsp.md#s0.3).
    /// </summary>
    public static byte[] CompactHeader(ReadOnlySpan<byte> asfHeader)
    {
        AsfHeader header = ParseHeader(asfHeader);
        ReadOnlySpan<byte> raw = header.Raw.Span;
        var output = new List<byte>(raw.Length);
        output.AddRange(raw[..AsfHeaderReader.HeaderObjectFixedSize]);
        uint count = 0;
        foreach (var obj in header.Objects)
        {
            if (Array.IndexOf(Droppable, obj.Id) >= 0) continue;
            var bytes = raw.Slice(obj.Offset, obj.Length);
            if (obj.Id == AsfGuids.HeaderExtension && bytes.Length >= 46) output.AddRange(CompactExtension(bytes));
            else output.AddRange(bytes);
            count++;
        }

        byte[] result = [.. output];
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(16), (ulong)result.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(24), count);
        return result;
    }

    /// <summary>A Header Extension Object without its droppable children: object size at 16, data size at 42, children from 46.</summary>
    private static byte[] CompactExtension(ReadOnlySpan<byte> extension)
    {
        var output = new List<byte>(extension.Length);
        output.AddRange(extension[..46]);
        int at = 46;
        while (at + 24 <= extension.Length)
        {
            var id = new Guid(extension.Slice(at, 16));
            ulong size = BinaryPrimitives.ReadUInt64LittleEndian(extension[(at + 16)..]);
            if (size < 24 || size > (ulong)(extension.Length - at)) break; // the reader accepted it; stop at anything odd
            if (Array.IndexOf(DroppableExtensions, id) < 0) output.AddRange(extension.Slice(at, (int)size));
            at += (int)size;
        }

        byte[] result = [.. output];
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(16), (ulong)result.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(42), (uint)(result.Length - 46));
        return result;
    }

    public static string Write(WmsSdpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ControlUrl.AsSpan().IndexOfAny('\r', '\n') >= 0) throw new ArgumentException("The control URL has a line break.", nameof(options));
        AsfHeader header = ParseHeader(options.AsfHeader.Span);
        byte[] blob = HeaderBlob(options.AsfHeader.Span);
        if (blob.Length > options.MaxHeaderBlobBytes && options.CompactLargeHeaders) blob = HeaderBlob(CompactHeader(options.AsfHeader.Span));
        if (blob.Length > options.MaxHeaderBlobBytes)
        {
            throw new ArgumentException(
                $"The ASF header blob is {blob.Length} bytes, over the {options.MaxHeaderBlobBytes} a peer reads (docs/protocol/rtsp.md#s0.3).", nameof(options));
        }

        var streams = header.Streams
            .Where(s => s.Type is AsfStreamType.Audio or AsfStreamType.Video)
            .Where(s => options.Streams is null || options.Streams.Contains(s.StreamNumber))
            .ToList();
        bool live = options.Live ?? header.IsBroadcast;

        var sdp = new StringBuilder(blob.Length * 4 / 3 + 1024);
        void Line(string text) => sdp.Append(text).Append("\r\n");
        var inv = CultureInfo.InvariantCulture;
        Line("v=0");
        Line($"o=- {options.SessionId} {options.SessionId} IN IP4 {options.Address}");
        string title = header.ContentDescription?.Title is { Length: > 0 } t && t.AsSpan().IndexOfAny('\r', '\n') < 0 ? t : "<No Title>";
        Line("s=" + title);
        Line("c=IN IP4 0.0.0.0");
        long totalBits = streams.Sum(s => (long)BitrateOf(header, s.StreamNumber));
        Line(string.Create(inv, $"b=AS:{Kbps(totalBits)}"));
        Line(string.Create(inv, $"a=maxps:{header.PacketSize}"));
        Line("t=0 0");
        Line("a=control:" + options.ControlUrl);
        double preroll = header.FileProperties.PrerollMs / 1000.0;
        var range = live || header.FileProperties.Duration is not TimeSpan duration
            ? new RtspNptRange(0, null)
            : new RtspNptRange(preroll, preroll + duration.TotalSeconds);
        Line("a=range:" + range.Format());
        Line("a=recvonly");
        Line("a=pgmpu:" + SdpParser.AsfHeaderPrefix + Convert.ToBase64String(blob));
        foreach (var stream in streams)
        {
            Line(string.Create(inv, $"m={(stream.Type == AsfStreamType.Audio ? "audio" : "video")} 0 RTP/AVP {PayloadType}"));
            Line(string.Create(inv, $"b=AS:{Kbps(BitrateOf(header, stream.StreamNumber))}"));
            Line(string.Create(inv, $"a=rtpmap:{PayloadType} x-asf-pf/1000"));
            Line("a=control:" + ControlOf(stream.StreamNumber));
            Line(string.Create(inv, $"a=stream:{stream.StreamNumber}"));
        }

        // After every audio and video description (docs/protocol/rtsp.md#s0.2).
        Line(string.Create(inv, $"m=application 0 RTP/AVP {PayloadType}"));
        Line(string.Create(inv, $"a=rtpmap:{PayloadType} x-wms-rtx/1000"));
        Line("a=control:" + RetransmissionControl);
        Line(string.Create(inv, $"a=stream:{RetransmissionStreamNumber}"));
        return sdp.ToString();
    }

    private static AsfHeader ParseHeader(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return AsfHeaderReader.Parse(bytes);
        }
        catch (AsfFormatException e)
        {
            throw new MmsProtocolException($"ASF header cannot be described in SDP: {e.Message}", e);
        }
    }

    private static uint BitrateOf(AsfHeader header, int stream) => header.DeclaredBitrate(stream)?.Bitrate ?? 0;

    private static long Kbps(long bits) => (bits + 999) / 1000;
}
