using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using MmsGateway.Asf.Selection;
using MmsGateway.Mms;
using MmsGateway.Mms.Mmsh;
using MmsGateway.Mms.Mmst;
using MmsGateway.Origin.Media;

namespace MmsGateway.Origin.Mmsh;

/// <summary>
/// One MMSH connection: one request, one response, then close (docs/protocol/mmsh.md#s2.1, docs/protocol/servers.md#s3.2). Describe returns the header as a
/// single <c>$H</c>; Play returns <c>$H</c>, the <c>$D</c> packets and <c>$E</c>; POSTs get an empty 200; plain web
/// clients get a <c>[Reference]</c> redirector, as Windows Media Services answered them (docs/protocol/servers.md#s3.2.10).
/// </summary>
internal sealed partial class MmshConnection : IPacketSink
{
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(15);

    private readonly MmshServer _server;
    private readonly OriginContext _context;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly ILogger _logger;
    private readonly ArrayBufferWriter<byte> _out = new(16 * 1024);
    private byte _dataSequence;
    private readonly Shaping.WriteWatchdog _writes;

    public MmshConnection(MmshServer server, Socket socket)
    {
        _server = server;
        _context = server.Context;
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _logger = _context.Loggers.CreateLogger<MmshConnection>();
        _writes = new Shaping.WriteWatchdog(_context.Time);
    }

    public MmshRequest Request { get; private set; } = null!;

    public async Task RunAsync(CancellationToken serverStopping)
    {
        var reader = PipeReader.Create(_stream);
        try
        {
            using var headDeadline = CancellationTokenSource.CreateLinkedTokenSource(serverStopping);
            headDeadline.CancelAfter(HeadTimeout);
            if (await ReadRequestAsync(reader, headDeadline.Token).ConfigureAwait(false) is not { } request) return;
            Request = request;
            if (_context.Faults.ResetDuringHandshake)
            {
                _socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
                return;
            }
            using var responding = CancellationTokenSource.CreateLinkedTokenSource(serverStopping);
            var watchdog = _writes.RunAsync(_socket, _context.Options.IdleTimeout, responding.Token);
            try
            {
                await RespondAsync(serverStopping).ConfigureAwait(false);
            }
            finally
            {
                await responding.CancelAsync().ConfigureAwait(false);
                await watchdog.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        catch (MmsProtocolException e)
        {
            LogBadRequest(_logger, e.Message);
            await WriteStatusAsync(400, "Bad Request", e.Message, serverStopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<MmshRequest?> ReadRequestAsync(PipeReader reader, CancellationToken ct)
    {
        while (true)
        {
            var result = await reader.ReadAsync(ct).ConfigureAwait(false);
            var sequence = new SequenceReader<byte>(result.Buffer);
            if (MmshRequest.TryParse(ref sequence, out var request))
            {
                reader.AdvanceTo(sequence.Position);
                return request;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted) return null;
        }
    }

    private async Task RespondAsync(CancellationToken ct)
    {
        if (_server.ExtraRoutes is { } routes && await routes(this, ct).ConfigureAwait(false)) return;
        var request = Request;
        switch (request.Kind)
        {
            case MmshRequestKind.Describe:
                await DescribeAsync(ct).ConfigureAwait(false);
                break;
            case MmshRequestKind.Play:
                await PlayAsync(ct).ConfigureAwait(false);
                break;
            case MmshRequestKind.SelectStream:
                if (request.ClientId is { } id && _server.Plays.TryGetValue(id, out var play))
                {
                    lock (play.SelectionLock)
                    {
                        var existing = play.Selection.Existing;
                        play.Selection.Select(Entries(request, existing), unlistedOff: false);
                    }
                }
                await WriteEmptyAsync(ct).ConfigureAwait(false);
                break;
            case MmshRequestKind.Stop:
                if (request.ClientId is { } stopId && _server.Plays.TryGetValue(stopId, out var stopping))
                    await stopping.Stop.CancelAsync().ConfigureAwait(false);
                await WriteEmptyAsync(ct).ConfigureAwait(false);
                break;
            case MmshRequestKind.NotNsPlayer:
                await ReferenceAsync(ct).ConfigureAwait(false);
                break;
            default:
                await WriteEmptyAsync(ct).ConfigureAwait(false);
                break;
        }
    }

    private OriginMedia? FindMedia(out int status)
    {
        var media = _context.Catalog.Find(Request.Path, out var failure);
        status = failure == LookupFailure.Unreadable ? 500 : 404;
        return media;
    }

    private MmshResponseInfo Info(OriginMedia media, uint clientId, bool reset = false) =>
        new(clientId, media.IsLive ? MmshFeatures.LiveBroadcast : MmshFeatures.OnDemand) { ResetStream = reset };

    private async Task DescribeAsync(CancellationToken ct)
    {
        if (FindMedia(out var status) is not { } media)
        {
            await WriteStatusAsync(status, status == 404 ? "Not Found" : "Internal Server Error", "no such media", ct).ConfigureAwait(false);
            return;
        }
        MmshResponseWriter.WriteDescribe(_out, Info(media, Request.ClientId ?? OriginContext.NewSessionId()), media.HeaderBytes.Length);
        MmshFraming.WriteHeader(_out, media.HeaderBytes);
        await FlushAsync(ct).ConfigureAwait(false);
    }

    private async Task PlayAsync(CancellationToken ct)
    {
        if (FindMedia(out var status) is not { } media)
        {
            await WriteStatusAsync(status, status == 404 ? "Not Found" : "Internal Server Error", "no such media", ct).ConfigureAwait(false);
            return;
        }
        var request = Request;
        // A client-id already streaming is refused (hijack protection); an unknown one gets a new session (docs/protocol/mmsh.md#s2.7).
        var clientId = request.ClientId ?? OriginContext.NewSessionId();
        if (_server.Plays.ContainsKey(clientId))
        {
            await WriteStatusAsync(409, "Conflict", "this client-id is already streaming", ct).ConfigureAwait(false);
            return;
        }

        var selection = new AsfStreamSelection(media.Header);
        var entries = Entries(request, selection.Existing);
        // No entry at all: a tolerant server sends every stream, as real encoders do for pull clients (docs/protocol/mmsh.md#s2.7).
        if (entries.Count > 0) selection.Select(entries, unlistedOff: true);
        selection.Resynchronize();
        var start = request.ResolveStartPosition(media.HeaderBytes.Length, media.PacketSize);
        var mediaStart = start.Kind switch
        {
            MmshStartKind.Time => MediaStart.AtTime(TimeSpan.FromMilliseconds(start.TimeMs)),
            MmshStartKind.Packet => MediaStart.AtPacket(start.PacketIndex),
            _ => MediaStart.Beginning,
        };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var play = new MmshPlay(selection, stop);
        if (!_server.Plays.TryAdd(clientId, play))
        {
            await WriteStatusAsync(409, "Conflict", "this client-id is already streaming", ct).ConfigureAwait(false);
            return;
        }
        try
        {
            MmshResponseWriter.WritePlay(_out, Info(media, clientId, reset: request.ClientId is not null));
            MmshFraming.WriteHeader(_out, media.HeaderBytes);
            await FlushAsync(ct).ConfigureAwait(false);
            LogPlay(_logger, request.UserAgent, request.Path, selection.Delivered.ToString(), start.Kind.ToString());

            PumpOutcome outcome;
            using (var feed = media.OpenFeed(mediaStart, selection.Delivered))
                outcome = await new PacketPump(_context).RunAsync(feed, selection, play.SelectionLock, this, stop.Token).ConfigureAwait(false);
            if (outcome == PumpOutcome.Disconnect) return;
            MmshFraming.WriteEndOfStream(_out);
            await FlushAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // Stopped by a Stop POST: end the body cleanly.
            MmshFraming.WriteEndOfStream(_out);
            await FlushAsync(ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            _server.Plays.TryRemove(clientId, out _);
        }
    }

    private static List<(int, int, ThinningLevel)> Entries(MmshRequest request, IReadOnlySet<int> existing) =>
        request.GetStreamSwitchEntries(existing)
            .Select(e => ((int)e.Source, (int)e.Destination, (ThinningLevel)Math.Min((int)e.ThinningLevel, 2)))
            .ToList();

    /// <summary>A plain web client asking for media gets a <c>[Reference]</c> file pointing back here (docs/protocol/asx.md#s6.3).</summary>
    private async Task ReferenceAsync(CancellationToken ct)
    {
        if (FindMedia(out _) is null)
        {
            await WriteStatusAsync(404, "Not Found", "no such media", ct).ConfigureAwait(false);
            return;
        }
        var host = Request.Headers["Host"] ?? $"127.0.0.1:{_server.Port}";
        var body = $"[Reference]\r\nRef1=http://{host}{Request.Path}?MSWMExt=.asf\r\n";
        await WriteResponseAsync(200, "OK", "video/x-ms-asf", body, ct).ConfigureAwait(false);
    }

    private async Task WriteEmptyAsync(CancellationToken ct)
    {
        MmshResponseWriter.WriteEmpty(_out, new MmshResponseInfo(Request.ClientId ?? 0, []));
        await FlushAsync(ct).ConfigureAwait(false);
    }

    internal Task WriteStatusAsync(int status, string reason, string message, CancellationToken ct) =>
        WriteResponseAsync(status, reason, "text/plain; charset=utf-8", message + "\n", ct);

    internal async Task WriteResponseAsync(int status, string reason, string contentType, string body, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        MmshResponseWriter.WriteOther(_out, status, reason, contentType, bytes.Length);
        _out.Write(bytes);
        await FlushAsync(ct).ConfigureAwait(false);
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        _writes.Begin();
        await _stream.WriteAsync(_out.WrittenMemory, ct).ConfigureAwait(false);
        _writes.End();
        _out.ResetWrittenCount();
    }

    // IPacketSink: one ASF packet per $D, AFFlags a wrapping counter that clients ignore (docs/protocol/mmsh.md#s2.5).
    async ValueTask IPacketSink.SendPacketAsync(ReadOnlyMemory<byte> packet, uint locationId, CancellationToken ct)
    {
        MmshFraming.WriteData(_out, locationId, 0, _dataSequence, packet.Span);
        _dataSequence = _dataSequence == 254 ? (byte)0 : (byte)(_dataSequence + 1);
        await FlushAsync(ct).ConfigureAwait(false);
    }

    async ValueTask IPacketSink.SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct) =>
        await _stream.WriteAsync(bytes, ct).ConfigureAwait(false);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMSH play by {Agent}: {Path} streams {Streams} from {Start}")]
    private static partial void LogPlay(ILogger logger, string agent, string path, string streams, string start);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MMSH: bad request: {Problem}")]
    private static partial void LogBadRequest(ILogger logger, string problem);
}
