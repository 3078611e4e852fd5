using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace MmsGateway.Mms.Mmsh;

/// <summary>
/// A parsed MMSH response head for the client side (docs/protocol/mmsh.md#s2.6, docs/protocol/mmsh.md#s2.7, docs/protocol/mmsh.md#s2.9 step 1): status, the Pragma
/// values <c>client-id</c>, <c>features</c>, <c>timeout</c>, <c>xResetStrm</c>, and Content-Type / Location.
/// </summary>
public sealed class MmshResponse
{
    private MmshResponse(string httpVersion, int statusCode, string reasonPhrase, MmshHeaders headers,
        IReadOnlyList<MmshPragmaToken> pragma)
    {
        HttpVersion = httpVersion;
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        Headers = headers;
        Pragma = pragma;
        string? features = MmshPragma.Find(pragma, "features");
        Features = features is null
            ? []
            : features.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        HasFeatures = features is not null;
    }

    public string HttpVersion { get; }

    public int StatusCode { get; }

    /// <summary>Empty when the server sent none (accepted here; libmms would fail, docs/protocol/interop.md#s10.17).</summary>
    public string ReasonPhrase { get; }

    public MmshHeaders Headers { get; }

    public IReadOnlyList<MmshPragmaToken> Pragma { get; }

    public uint? ClientId => MmshPragma.ParseLeadingUInt32(MmshPragma.Find(Pragma, "client-id"));

    /// <summary>Idle timeout of the session in ms.</summary>
    public uint? Timeout => MmshPragma.ParseLeadingUInt32(MmshPragma.Find(Pragma, "timeout"));

    /// <summary>The server did not know the client-id sent and created a new session.</summary>
    public bool ResetStream => MmshPragma.Find(Pragma, "xResetStrm") is "1";

    public IReadOnlyList<string> Features { get; }

    public bool HasFeatures { get; }

    /// <summary>Broadcast as vlc decides it: a <c>broadcast</c> feature, or no features token at all (docs/protocol/mmsh.md#s2.6).</summary>
    public bool IsBroadcast => !HasFeatures || HasFeature(MmshFeatures.Broadcast);

    public bool IsSeekable => HasFeature(MmshFeatures.Seekable);

    public string? ContentType => Headers["Content-Type"];

    /// <summary>Redirect target of a 3xx (vlc follows 301/302/303/307, docs/protocol/mmsh.md#s2.6).</summary>
    public string? Location => Headers["Location"];

    public long? ContentLength => MmshRequest.ParseContentLength(Headers["Content-Length"]);

    public bool IsChunked =>
        Headers["Transfer-Encoding"]?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true;

    public bool HasFeature(string feature) => Features.Contains(feature, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Parses a response head. False (reader unchanged) while incomplete; on true the reader is at the body.
    /// Throws <see cref="MmsProtocolException"/> for a malformed or oversized head.
    /// </summary>
    public static bool TryParse(ref SequenceReader<byte> reader, [NotNullWhen(true)] out MmshResponse? response)
    {
        long start = reader.Consumed;
        if (!MmshHttpHead.TryRead(ref reader, "MMSH response", out string statusLine, out MmshHeaders? headers))
        {
            response = null;
            return false;
        }

        // "HTTP/1.0 200 OK" or "HTTP/1.0 200" (no reason phrase).
        string[] parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/", StringComparison.Ordinal) || parts[1].Length != 3
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int status))
        {
            throw new MmsProtocolException(
                $"MMSH status line at offset {start} is not 'HTTP/x.y NNN [reason]': " +
                $"\"{MmshHttpHead.Shorten(statusLine)}\".", start);
        }

        response = new MmshResponse(parts[0], status, parts.Length > 2 ? parts[2] : string.Empty, headers,
            MmshPragma.Parse(headers.GetAll("Pragma")));
        _ = response.ContentLength; // surface a malformed Content-Length now
        return true;
    }
}
