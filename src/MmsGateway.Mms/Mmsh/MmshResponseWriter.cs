using System.Buffers;
using System.Globalization;
using System.Text;

namespace MmsGateway.Mms.Mmsh;

/// <summary>What the server says about a session in its response heads (protocol.md §3.2 item 3).</summary>
/// <param name="ClientId">The session id; sent in every response once assigned.</param>
/// <param name="Features">The features list; see <see cref="MmshFeatures"/>.</param>
public sealed record MmshResponseInfo(uint ClientId, IReadOnlyList<string> Features)
{
    /// <summary>
    /// A Cougar below 9.0: calling itself Cougar ≥ 9.0 would oblige the server to send $M to ≥ 9.0 clients (§2.3).
    /// </summary>
    public const string DefaultServer = "Cougar/4.1.0.3925";

    public string Server { get; init; } = DefaultServer;

    /// <summary>Idle timeout of the session in ms.</summary>
    public uint Timeout { get; init; } = 60_000;

    /// <summary>Set when the client-id the client sent was unknown and a new session was created (§2.7).</summary>
    public bool ResetStream { get; init; }
}

/// <summary>
/// The server side's response heads (protocol.md §2.6, §2.7, §3.2): HTTP/1.0 with a reason phrase (libmms fails
/// without one), Server, Cache-Control, Content-Type, the Pragma line with client-id, features and timeout, and
/// <c>Connection: close</c> — the body ends when the connection closes.
/// </summary>
public static class MmshResponseWriter
{
    public const string DescribeContentType = "application/vnd.ms.wms-hdr.asfv1";
    public const string PlayContentType = "application/x-mms-framed";

    /// <summary>
    /// The Describe head. Its body is one <c>$H</c>, so Content-Length is 4 + 8 + header bytes; vlc ignores it and
    /// reads until the connection closes (§10.16).
    /// </summary>
    public static void WriteDescribe(IBufferWriter<byte> writer, MmshResponseInfo info, int asfHeaderLength)
    {
        ArgumentNullException.ThrowIfNull(info);
        var head = new StringBuilder();
        AppendCommon(head, info, DescribeContentType);
        Append(head, "Content-Length", (MmshFraming.DataPrefixSize + asfHeaderLength).ToString(CultureInfo.InvariantCulture));
        AppendPragma(head, info);
        Append(head, "Connection", "close");
        MmshText.WriteAscii(writer, head.Append(MmshText.LineEnd).ToString());
    }

    /// <summary>The Play head: no Content-Length, the body is delimited by closing the connection.</summary>
    public static void WritePlay(IBufferWriter<byte> writer, MmshResponseInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var head = new StringBuilder();
        AppendCommon(head, info, PlayContentType);
        AppendPragma(head, info);
        Append(head, "Connection", "close");
        MmshText.WriteAscii(writer, head.Append(MmshText.LineEnd).ToString());
    }

    /// <summary>The empty 200 answer to KeepAlive, Log, Stop and SelectStream POSTs (§3.2 item 9).</summary>
    public static void WriteEmpty(IBufferWriter<byte> writer, MmshResponseInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var head = new StringBuilder();
        head.Append("HTTP/1.0 200 OK").Append(MmshText.LineEnd);
        Append(head, "Server", MmshText.CheckHeaderValue(info.Server, nameof(info.Server)));
        Append(head, "Cache-Control", "no-cache");
        Append(head, "Pragma", string.Create(CultureInfo.InvariantCulture,
            $"client-id={info.ClientId},timeout={info.Timeout}"));
        Append(head, "Content-Length", "0");
        Append(head, "Connection", "close");
        MmshText.WriteAscii(writer, head.Append(MmshText.LineEnd).ToString());
    }

    private static void AppendCommon(StringBuilder head, MmshResponseInfo info, string contentType)
    {
        head.Append("HTTP/1.0 200 OK").Append(MmshText.LineEnd);
        Append(head, "Server", MmshText.CheckHeaderValue(info.Server, nameof(info.Server)));
        Append(head, "Cache-Control", "no-cache");
        Append(head, "Content-Type", contentType);
    }

    private static void AppendPragma(StringBuilder head, MmshResponseInfo info)
    {
        foreach (string feature in info.Features)
        {
            if (feature.Contains('"', StringComparison.Ordinal) || feature.Contains(',', StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{feature}' is not a feature token.", nameof(info));
            }
        }

        string reset = info.ResetStream ? "xResetStrm=1," : string.Empty;
        Append(head, "Pragma", MmshText.CheckHeaderValue(string.Create(CultureInfo.InvariantCulture,
            $"no-cache,client-id={info.ClientId},{reset}features=\"{string.Join(',', info.Features)}\",timeout={info.Timeout}"),
            nameof(info)));
    }

    private static void Append(StringBuilder head, string name, string value) =>
        head.Append(name).Append(": ").Append(value).Append(MmshText.LineEnd);
}
