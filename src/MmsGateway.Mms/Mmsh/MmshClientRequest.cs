using System.Buffers;
using System.Globalization;
using System.Text;
using MmsGateway.Mms.Mmst;

namespace MmsGateway.Mms.Mmsh;

/// <summary>
/// The client side's Describe and Play request heads, laid out as the open clients send them (docs/protocol/mmsh.md#s2.6,
/// docs/protocol/mmsh.md#s2.7): HTTP/1.0, <c>Connection: Close</c>, one TCP connection per request, no pipelining.
/// </summary>
/// <param name="PathAndQuery">Request target, e.g. <c>/live/stream.asf</c>.</param>
/// <param name="Host">Host header; open clients always include the port (<c>host:80</c>).</param>
/// <param name="ClientGuid">xClientGUID, the same for every request of a session (registry format with braces).</param>
public sealed record MmshClientRequest(string PathAndQuery, string Host, string ClientGuid)
{
    /// <summary>vlc's User-Agent: 7.x is below the 9.0 gate, so servers send no $M, no Supported, no chunking.</summary>
    public const string DefaultUserAgent = "NSPlayer/7.10.0.3059";

    public string UserAgent { get; init; } = DefaultUserAgent;

    /// <summary>The server-assigned session id from an earlier response; null for a new session.</summary>
    public uint? ClientId { get; init; }

    /// <summary>
    /// Writes a Describe: <c>request-context</c> 1 for the first request of a session, as vlc, libmms and ffmpeg do.
    /// </summary>
    public void WriteDescribe(IBufferWriter<byte> writer, uint requestContext = 1)
    {
        var head = new StringBuilder();
        AppendStart(head);
        AppendPragma(head, string.Create(CultureInfo.InvariantCulture,
            $"no-cache,rate=1.000000,stream-time=0,stream-offset=0:0,request-context={requestContext},max-duration=0"));
        AppendClientIdAndGuid(head);
        AppendEnd(head);
        MmshText.WriteAscii(writer, head.ToString());
    }

    /// <summary>
    /// Writes a Play. <paramref name="streamTimeMs"/> null gives the live form (<c>no-cache,rate=1.000000,
    /// request-context=N</c>, no start position); a time gives <c>stream-time</c>, which takes precedence over
    /// everything on the server (docs/protocol/mmsh.md#s2.7), with <c>stream-offset=0:0</c> at 0 as vlc sends it and the "unused" offset
    /// otherwise. Every stream should be listed, chosen ones <c>:0</c>, others <c>:2</c> (docs/protocol/selection.md#s5.4).
    /// </summary>
    public void WritePlay(IBufferWriter<byte> writer, IReadOnlyCollection<StreamSwitchEntry> entries,
        uint? streamTimeMs, uint requestContext = 2)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var head = new StringBuilder();
        AppendStart(head);
        AppendPragma(head, streamTimeMs is uint time
            ? string.Create(CultureInfo.InvariantCulture,
                $"no-cache,rate=1.000000,stream-time={time},stream-offset={(time == 0 ? "0:0" : "4294967295:4294967295")},request-context={requestContext},max-duration=0")
            : string.Create(CultureInfo.InvariantCulture, $"no-cache,rate=1.000000,request-context={requestContext}"));
        AppendPragma(head, "xPlayStrm=1");
        AppendClientIdAndGuid(head);
        if (entries.Count > 0)
        {
            AppendPragma(head, string.Create(CultureInfo.InvariantCulture, $"stream-switch-count={entries.Count}"));
            AppendPragma(head, "stream-switch-entry=" + MmshStreamSwitch.Format(entries));
        }

        AppendEnd(head);
        MmshText.WriteAscii(writer, head.ToString());
    }

    private void AppendStart(StringBuilder head)
    {
        head.Append("GET ").Append(CheckTarget(PathAndQuery)).Append(" HTTP/1.0").Append(MmshText.LineEnd)
            .Append("Accept: */*").Append(MmshText.LineEnd)
            .Append("User-Agent: ").Append(MmshText.CheckHeaderValue(UserAgent, nameof(UserAgent)))
            .Append(MmshText.LineEnd)
            .Append("Host: ").Append(MmshText.CheckHeaderValue(Host, nameof(Host))).Append(MmshText.LineEnd);
    }

    private void AppendClientIdAndGuid(StringBuilder head)
    {
        if (ClientId is uint clientId)
        {
            AppendPragma(head, string.Create(CultureInfo.InvariantCulture, $"client-id={clientId}"));
        }

        AppendPragma(head, "xClientGUID=" + MmshText.CheckHeaderValue(ClientGuid, nameof(ClientGuid)));
    }

    private static void AppendPragma(StringBuilder head, string value) =>
        head.Append("Pragma: ").Append(value).Append(MmshText.LineEnd);

    private static void AppendEnd(StringBuilder head) =>
        head.Append("Connection: Close").Append(MmshText.LineEnd).Append(MmshText.LineEnd);

    private static string CheckTarget(string target)
    {
        MmshText.CheckHeaderValue(target, nameof(PathAndQuery));
        if (target.Length == 0 || target.Contains(' ', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{target}' is not a request target (percent-encode spaces).",
                nameof(PathAndQuery));
        }

        return target;
    }
}
