using MmsGateway.Http;
using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using MmsGateway.Asf;
using MmsGateway.Asf.Selection;
using MmsGateway.Mms.Client;
using MmsGateway.Mms.Mmsh;
using MmsGateway.Mms.Mmst;
using MmsGateway.Observability;
using MmsGateway.Streams;

namespace MmsGateway.Outputs;

/// <summary>
/// <c>GET /streams/{name}/live.asf</c> (docs/design.md#http): chunked ASF for players, or MS-WMSP for an NSPlayer
/// client on the same URL, so ffmpeg's mmsh://, VLC and old Windows Media Players can use the gateway as their
/// server. <c>?maxBitrate=</c> picks a lower video stream; <c>?start=</c> positions on-demand streams.
/// </summary>
public static class StreamEndpoints
{
    public static void MapStreamEndpoints(this WebApplication app)
    {
        app.MapGet("/streams/{name}/live.asf", ServeAsync);
    }

    private static async Task ServeAsync(HttpContext http, string name, StreamRegistry registry, GatewayMetrics metrics,
        IOptions<GatewayOptions> options, TimeProvider time)
    {
        if (!registry.Streams.TryGetValue(name, out var stream))
        {
            await http.Response.WriteErrorAsync(StatusCodes.Status404NotFound, $"no stream named '{name}'", http.RequestAborted).ConfigureAwait(false);
            return;
        }
        var query = http.Request.Query;
        long? maxBitrate = long.TryParse(query["maxBitrate"], CultureInfo.InvariantCulture, out var mb) && mb > 0 ? mb : null;
        var start = double.TryParse(query["start"], CultureInfo.InvariantCulture, out var s) && s > 0 ? TimeSpan.FromSeconds(s) : TimeSpan.Zero;
        var wmsp = WmspRequest.From(http.Request);
        if (wmsp is not null && wmsp.Kind is not (MmshRequestKind.Describe or MmshRequestKind.Play))
        {
            // KeepAlive, Log, Stop, SelectStream on a separate connection: acknowledge (docs/protocol/servers.md#s3.2.9).
            WmspResponseHead.WriteEmpty(http.Response, wmsp.ClientId ?? 0, stream.OnDemand);
            return;
        }
        if (wmsp?.StreamTimeMs is { } ms && ms is > 0 and < uint.MaxValue) start = TimeSpan.FromMilliseconds(ms);

        var ct = http.RequestAborted;
        if (stream.OnDemand)
        {
            await using var session = await registry.Connector.ConnectAsync(name, stream, start, ct).ConfigureAwait(false);
            var streams = wmsp?.Selection(session.Header, session.SelectedStreams) ?? session.SelectedStreams;
            if (await WriteHeadOrDescribeAsync(http, wmsp, () => AsfHeaderWriter.Write(session.Header, streams, new AsfDataLayout.Unchanged()), onDemand: true)
                    .ConfigureAwait(false)) return;
            var output = wmsp is null ? "asf" : "wmsp";
            metrics.ViewerConnected(name, output);
            try
            {
                var pump = new OnDemandViewerPump(name, output, session, wmsp is null ? ViewerFraming.Asf : ViewerFraming.CreateWmsp(),
                    streams, start == TimeSpan.Zero, metrics, time, options.Value.ViewerFlushInterval);
                await pump.RunAsync(http.Response.BodyWriter, ct).ConfigureAwait(false);
            }
            finally
            {
                metrics.ViewerDisconnected(name, output);
            }
            return;
        }

        var hub = registry.Hub(name)!;
        var current = hub.Current;
        HubViewer viewer;
        try
        {
            var wantedVideo = current is null ? AsfStreamSet.None : ViewerStreams.Video(current.Header, ViewerStreams.Choose(current, maxBitrate));
            viewer = await hub.AttachAsync(wmsp is null ? "asf" : "wmsp", wantedVideo, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await http.Response.WriteErrorAsync(StatusCodes.Status504GatewayTimeout, $"stream '{name}' is not reachable upstream: {hub.LastError ?? "no answer yet"}", ct).ConfigureAwait(false);
            return;
        }
        try
        {
            var viewerStreams = wmsp?.Selection(viewer.Stream.Header, viewer.Stream.Offered) ?? ViewerStreams.Choose(viewer.Stream, maxBitrate);
            if (await WriteHeadOrDescribeAsync(http, wmsp, () => viewer.Stream.ViewerHeader(viewerStreams), onDemand: false).ConfigureAwait(false)) return;
            var pump = new LiveViewerPump(hub, viewer, wmsp is null ? ViewerFraming.Asf : ViewerFraming.CreateWmsp(), viewerStreams, metrics,
                options.Value.ViewerFlushInterval);
            // Live viewers get the connection itself when it can be had: the fan-out fast path (DirectViewerConnection).
            await using var direct = options.Value.DirectSend ? DirectViewerConnection.TryTakeOver(http) : null;
            await pump.RunAsync(direct?.Sink ?? ViewerSink.ForPipe(http.Response.BodyWriter), ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested || viewer.Closed.IsCancellationRequested)
        {
            if (viewer.Closed.IsCancellationRequested && !ct.IsCancellationRequested) http.Abort(); // the hub ended this viewer
        }
        finally
        {
            hub.Detach(viewer);
        }
    }

    /// <summary>
    /// Writes the response head; for an MS-WMSP Describe also the single <c>$H</c> (the header the viewer would be sent,
    /// from <paramref name="viewerHeader"/>), and returns true (done).
    /// </summary>
    private static async Task<bool> WriteHeadOrDescribeAsync(HttpContext http, WmspRequest? wmsp, Func<byte[]> viewerHeader, bool onDemand)
    {
        if (wmsp is null)
        {
            http.Response.ContentType = "video/x-ms-asf";
            http.Response.Headers.CacheControl = "no-cache, no-store";
            return false;
        }
        var clientId = wmsp.ClientId ?? (uint)Random.Shared.Next(1, int.MaxValue);
        if (wmsp.Kind == MmshRequestKind.Describe)
        {
            var asfHeader = viewerHeader();
            WmspResponseHead.WriteDescribe(http.Response, clientId, onDemand, asfHeader.Length);
            MmshFraming.WriteHeader(http.Response.BodyWriter, asfHeader);
            await http.Response.BodyWriter.FlushAsync(http.RequestAborted).ConfigureAwait(false);
            return true;
        }
        WmspResponseHead.WritePlay(http.Response, clientId, onDemand);
        return false;
    }
}
