using MmsGateway.Mms.Mmsh;

namespace MmsGateway.Outputs;

/// <summary>
/// The MS-WMSP response heads of the gateway (docs/protocol/mmsh.md#s2.6, docs/protocol/mmsh.md#s2.7, docs/protocol/servers.md#s3.2), set on Kestrel's response from the codec
/// the origin writes its heads with (<see cref="MmshResponseWriter"/>, <see cref="MmshResponsePragma"/>): the same
/// Server, Cache-Control, content types and Pragma value. Kestrel (or <see cref="DirectViewerConnection"/> for a
/// taken-over connection) writes the status line and the framing headers itself.
/// </summary>
internal static class WmspResponseHead
{
    /// <summary>The Describe head: its body is one <c>$H</c> of <paramref name="asfHeaderLength"/> bytes of header.</summary>
    public static void WriteDescribe(HttpResponse response, uint clientId, bool onDemand, int asfHeaderLength)
    {
        Write(response, clientId, onDemand);
        response.ContentType = MmshResponseWriter.DescribeContentType;
        response.ContentLength = MmshFraming.DataPrefixSize + asfHeaderLength;
    }

    /// <summary>The Play head: the body runs until the stream ends.</summary>
    public static void WritePlay(HttpResponse response, uint clientId, bool onDemand)
    {
        Write(response, clientId, onDemand);
        response.ContentType = MmshResponseWriter.PlayContentType;
    }

    /// <summary>
    /// The empty answer to a KeepAlive, Log, Stop or SelectStream request on its own connection (docs/protocol/servers.md#s3.2.9). It
    /// carries the streaming Pragma, features included, as the gateway's answers always did.
    /// </summary>
    public static void WriteEmpty(HttpResponse response, uint clientId, bool onDemand)
    {
        Write(response, clientId, onDemand);
        response.ContentLength = 0;
    }

    private static void Write(HttpResponse response, uint clientId, bool onDemand)
    {
        var info = new MmshResponseInfo(clientId, onDemand ? MmshFeatures.OnDemand : MmshFeatures.LiveBroadcast);
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.Server = info.Server;
        response.Headers.CacheControl = MmshResponseWriter.CacheControl;
        response.Headers.Pragma = MmshResponsePragma.Format(info);
    }
}
