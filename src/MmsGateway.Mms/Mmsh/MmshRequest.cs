using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using MmsGateway.Mms.Mmst;

namespace MmsGateway.Mms.Mmsh;

/// <summary>
/// A parsed MMSH request head for the server side (docs/protocol/mmsh.md#s2.2 to docs/protocol/mmsh.md#s2.4, docs/protocol/servers.md#s3.2): request line, header fields,
/// Pragma tokens of every Pragma line, the request kind and the values a server acts on.
/// </summary>
public sealed class MmshRequest
{
    private MmshRequest(string method, string target, string httpVersion, MmshHeaders headers,
        IReadOnlyList<MmshPragmaToken> pragma)
    {
        Method = method;
        Target = target;
        HttpVersion = httpVersion;
        Headers = headers;
        Pragma = pragma;
        UserAgent = headers["User-Agent"] ?? string.Empty;
        (ClientProduct, ClientVersion) = ParseUserAgent(UserAgent);
        Kind = Classify();
    }

    public string Method { get; }

    /// <summary>The request target as sent: path and query (or <c>*</c> for OPTIONS).</summary>
    public string Target { get; }

    public string Path => Target.Split('?', 2)[0];

    public string? Query => Target.Contains('?', StringComparison.Ordinal) ? Target.Split('?', 2)[1] : null;

    /// <summary><c>HTTP/1.0</c> or <c>HTTP/1.1</c> (ffmpeg uses 1.1, vlc and libmms 1.0).</summary>
    public string HttpVersion { get; }

    public MmshHeaders Headers { get; }

    /// <summary>Tokens of all Pragma lines in order (docs/protocol/mmsh.md#s2.4).</summary>
    public IReadOnlyList<MmshPragmaToken> Pragma { get; }

    public MmshRequestKind Kind { get; }

    public string UserAgent { get; }

    public MmshClientProduct ClientProduct { get; }

    /// <summary>
    /// From the User-Agent, e.g. 7.10.0.3059. Feature gates compare it with 9.0 ($M, Supported, chunking); open clients
    /// announce 4.1 or 7.10, and an unknown version is treated as below 9.0 (docs/protocol/mmsh.md#s2.3).
    /// </summary>
    public Version? ClientVersion { get; }

    /// <summary>The session id the server assigned earlier, if the client sent one.</summary>
    public uint? ClientId => MmshPragma.ParseLeadingUInt32(GetPragma("client-id"));

    /// <summary>xClientGUID as an opaque string: vlc 3 sends a malformed one and three clients share one (docs/protocol/interop.md#s10.24, docs/protocol/interop.md#s10.32).</summary>
    public string? ClientGuid => GetPragma("xClientGUID");

    public uint? RequestContext => MmshPragma.ParseLeadingUInt32(GetPragma("request-context"));

    /// <summary>Start time in ms, parsed up to the first non-digit to survive ffmpeg's glued line (docs/protocol/mmsh.md#s2.7).</summary>
    public uint? StreamTimeMs => MmshPragma.ParseLeadingUInt32(GetPragma("stream-time"));

    public uint? PacketNumber => MmshPragma.ParseLeadingUInt32(GetPragma("packet-num"));

    public ulong? StreamOffset => MmshPragma.ParseStreamOffset(GetPragma("stream-offset"));

    public uint? MaxDuration => MmshPragma.ParseLeadingUInt32(GetPragma("max-duration"));

    public uint? StreamSwitchCount => MmshPragma.ParseLeadingUInt32(GetPragma("stream-switch-count"));

    /// <summary>The raw stream-switch-entry list; null when the request has none (= no stream selected, docs/protocol/mmsh.md#s2.7).</summary>
    public string? StreamSwitchEntries => GetPragma(MmshPragma.StreamSwitchEntry);

    /// <summary>Pipelined mode / chunked responses are allowed only with <c>version11-enabled=1</c> (docs/protocol/mmsh.md#s2.7).</summary>
    public bool Version11Enabled => IsSet("version11-enabled");

    public string? ContentType => Headers["Content-Type"];

    public long? ContentLength => ParseContentLength(Headers["Content-Length"]);

    /// <summary>The value of the last Pragma token with this name (case-insensitive), "" for a bare token, or null.</summary>
    public string? GetPragma(string name) => MmshPragma.Find(Pragma, name);

    /// <summary>A flag token such as <c>xPlayStrm=1</c>: present with value 1 or with no value.</summary>
    public bool IsSet(string name) => GetPragma(name) is "" or "1";

    /// <summary>Stream selection with the hex/decimal heuristic of docs/protocol/mmsh.md#s2.8.</summary>
    public IReadOnlyList<StreamSwitchEntry> GetStreamSwitchEntries(IReadOnlySet<int> existingStreams) =>
        MmshStreamSwitch.Parse(StreamSwitchEntries, existingStreams);

    /// <summary>The start point of a Play by the rules of docs/protocol/mmsh.md#s2.7 / docs/protocol/mmsh.md#s2.8.</summary>
    public MmshStartPosition ResolveStartPosition(long headerSize, int packetSize) =>
        MmshStartPosition.Resolve(StreamTimeMs, PacketNumber, StreamOffset, headerSize, packetSize);

    /// <summary>
    /// Parses a request head. False (reader unchanged) while the head is incomplete; on true the reader is at the
    /// body. Throws <see cref="MmsProtocolException"/> for a malformed or oversized head (16 KiB, 128 lines).
    /// </summary>
    public static bool TryParse(ref SequenceReader<byte> reader, [NotNullWhen(true)] out MmshRequest? request)
    {
        long start = reader.Consumed;
        if (!MmshHttpHead.TryRead(ref reader, "MMSH request", out string requestLine, out MmshHeaders? headers))
        {
            request = null;
            return false;
        }

        string[] parts = requestLine.Split(' ');
        if (parts.Length != 3 || !MmshHttpHead.IsToken(parts[0]) || parts[1].Length == 0
            || !IsHttpVersion(parts[2]))
        {
            throw new MmsProtocolException(
                $"MMSH request line at offset {start} is not 'METHOD target HTTP/x.y': " +
                $"\"{MmshHttpHead.Shorten(requestLine)}\".", start);
        }

        request = new MmshRequest(parts[0], parts[1], parts[2], headers, MmshPragma.Parse(headers.GetAll("Pragma")));
        _ = request.ContentLength; // a malformed Content-Length must surface here, not when the body is framed
        return true;
    }

    private MmshRequestKind Classify()
    {
        if (ClientProduct == MmshClientProduct.Other)
        {
            return MmshRequestKind.NotNsPlayer;
        }

        bool hasSelection = GetPragma(MmshPragma.StreamSwitchEntry) is not null;
        if (Method.Equals("OPTIONS", StringComparison.OrdinalIgnoreCase))
        {
            return MmshRequestKind.KeepAlive;
        }

        if (Method.Equals("POST", StringComparison.OrdinalIgnoreCase))
        {
            return IsSet("xStopStrm") ? MmshRequestKind.Stop
                : IsSet("xKeepAliveInPause") ? MmshRequestKind.KeepAlive
                : hasSelection ? MmshRequestKind.SelectStream
                : GetPragma(MmshPragma.LogLine) is not null || HasContentType("application/x-wms-LogStats")
                    ? MmshRequestKind.Log
                : HasContentType("application/x-wms-getcontentinfo") ? MmshRequestKind.GetContentInfo
                : HasContentType("application/x-wms-sendevent") ? MmshRequestKind.SendEvent
                : MmshRequestKind.Unsupported;
        }

        if (Method.Equals("GET", StringComparison.OrdinalIgnoreCase))
        {
            return IsSet("pipeline-request") ? MmshRequestKind.Pipeline
                : IsSet("xPlayNextEntry") ? MmshRequestKind.PlayNextEntry
                : IsSet("xPlayStrm") ? MmshRequestKind.Play
                : hasSelection ? MmshRequestKind.SelectStream
                : MmshRequestKind.Describe;
        }

        return MmshRequestKind.Unsupported;
    }

    private bool HasContentType(string mediaType)
    {
        string? contentType = ContentType;
        return contentType is not null
            && contentType.Split(';', 2)[0].Trim().Equals(mediaType, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary><c>NSPlayer/7.10.0.3059</c>, possibly followed by <c>; via WMCacheProxy</c> or a comment.</summary>
    internal static (MmshClientProduct, Version?) ParseUserAgent(string userAgent)
    {
        ProductToken.Split(userAgent.Trim(), out string name, out Version? version);
        MmshClientProduct product = name.ToUpperInvariant() switch
        {
            "NSPLAYER" => MmshClientProduct.NsPlayer,
            "NSSERVER" => MmshClientProduct.NsServer,
            "WMCACHEPROXY" => MmshClientProduct.WmCacheProxy,
            _ => MmshClientProduct.Other,
        };
        return (product, version);
    }

    private static bool IsHttpVersion(string text) =>
        text.Length == 8 && text.StartsWith("HTTP/", StringComparison.Ordinal)
        && char.IsAsciiDigit(text[5]) && text[6] == '.' && char.IsAsciiDigit(text[7]);

    internal static long? ParseContentLength(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long length))
        {
            throw new MmsProtocolException($"MMSH Content-Length \"{MmshHttpHead.Shorten(value)}\" is not a number.");
        }

        return length;
    }
}
