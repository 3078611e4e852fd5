using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using MmsGateway.Asf;
using MmsGateway.Mms.Sessions;

namespace MmsGateway.Mms.Client;

/// <summary>
/// A plain ASF file read from its start (docs/protocol/asf.md#s4.1, docs/protocol/asx.md#s6.1): the body of an HTTP download from a web server
/// that is not a Windows Media server, or a local file a playlist names. The Header Object and the 50 Data Object
/// bytes, then fixed-size packets until the declared count or the end of the body (a truncated file ends at its last
/// whole packet). Every read has the <see cref="MmsClientOptions.ReadTimeout"/> deadline. Stream selection is applied
/// here; no seeking.
/// </summary>
internal sealed class PlainAsfSession : IMmsSession
{
    private readonly Stream _body;
    private readonly IDisposable? _owner;
    private readonly MmsClientOptions _options;
    private readonly SingleReaderGate _gate = new();
    private CancellationTokenSource _readCts;
    private readonly SessionHeader _current;
    private byte[] _packet = [];
    private AsfStreamSet _selected;
    private long _packets;

    private PlainAsfSession(Uri url, Stream body, IDisposable? owner, MmsClientOptions options)
    {
        Url = MmsUrl.Redact(url);
        _body = body;
        _owner = owner;
        _options = options;
        _readCts = new CancellationTokenSource(Timeout.InfiniteTimeSpan, options.TimeProvider);
        _current = new SessionHeader(Url);
    }

    public MmsProtocol Protocol => MmsProtocol.Download;

    public Uri Url { get; }

    public AsfHeader Header => _current.Header;

    public ReadOnlyMemory<byte> HeaderBytes => _current.Bytes;

    public bool IsBroadcast => _current.Header.IsBroadcast;

    public AsfStreamSet SelectedStreams => _selected;

    public static async Task<PlainAsfSession> OpenFileAsync(Uri url, MmsClientOptions options, CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            file = new FileStream(url.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new MmsClientException(MmsClientErrorKind.NotFound, MmsClientStep.Connect, url, "no such file", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MmsClientException(MmsClientErrorKind.AccessDenied, MmsClientStep.Connect, url, e.Message, e);
        }

        return await StartAsync(url, file, null, options, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<PlainAsfSession> OpenHttpAsync(Uri url, MmsClientOptions options, CancellationToken cancellationToken)
    {
        TimeSpan timeout = options.ConnectTimeout + options.HandshakeTimeout;
        using var timeoutCts = new CancellationTokenSource(timeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        HttpResponseMessage? response = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("MmsGateway", "1.0"));
            // The fetcher's client checks the connection and every redirect against the policy it finds here.
            if (options.EndpointPolicy is { } policy) request.Options.Set(MmsPlaylistFetcher.PolicyKey, policy);
            response = await MmsPlaylistFetcher.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token)
                .ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw MmsErrors.FromHttpStatus(url, MmsClientStep.Connect, (int)response.StatusCode, response.ReasonPhrase ?? string.Empty);
            }

            Stream body = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            return await StartAsync(url, body, response, options, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            response?.Dispose();
            throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Connect, url,
                string.Create(CultureInfo.InvariantCulture, $"the HTTP download did not start within {timeout.TotalSeconds:0.###} s"));
        }
        catch (HttpRequestException e)
        {
            response?.Dispose();
            throw new MmsClientException(MmsClientErrorKind.ConnectionLost, MmsClientStep.Connect, url, e.Message, e);
        }
        catch
        {
            response?.Dispose();
            throw;
        }
    }

    private static async Task<PlainAsfSession> StartAsync(Uri url, Stream body, IDisposable? owner, MmsClientOptions options,
        CancellationToken cancellationToken)
    {
        var session = new PlainAsfSession(url, body, owner, options);
        try
        {
            await session.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per packet
    public async ValueTask<MmsReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        await _gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                ulong declared = _current.Header.IsBroadcast ? 0 : _current.Header.FileProperties.DataPacketsCount;
                if (declared > 0 && (ulong)_packets >= declared) return MmsReadResult.EndOfStream;
                int read = await ReadAsync(_packet, MmsClientStep.Read, cancellationToken).ConfigureAwait(false);
                if (read < _packet.Length) return MmsReadResult.EndOfStream; // the end, or a truncated last packet
                uint location = (uint)_packets++;
                if (!_current.TryKeepSelected(_packet, _selected, out ReadOnlyMemory<byte> packet)) continue;
                return MmsReadResult.ForPacket(packet, location);
            }
        }
        catch (AsfFormatException e)
        {
            throw MmsErrors.Malformed(Url, MmsClientStep.Read, $"a packet does not parse: {e.Message}", e);
        }
        finally
        {
            _gate.Exit();
        }
    }

    public ValueTask SelectStreamsAsync(IReadOnlyList<StreamSelection> selection, CancellationToken cancellationToken)
    {
        (_, AsfStreamSet selected) = MmsSelection.Build(_current.Header, selection);
        _selected = selected;
        return ValueTask.CompletedTask;
    }

    public ValueTask SeekAsync(TimeSpan position, CancellationToken cancellationToken) =>
        throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Seek, Url,
            "a plain ASF download is read from its start and cannot be seeked");

    public async ValueTask DisposeAsync()
    {
        if (!_gate.TryClose()) return;
        await _body.DisposeAsync().ConfigureAwait(false);
        _owner?.Dispose();
        _readCts.Dispose();
    }

    private async Task ReadHeaderAsync(CancellationToken cancellationToken)
    {
        byte[] start = new byte[AsfHeaderReader.HeaderObjectFixedSize];
        if (await ReadAsync(start, MmsClientStep.Header, cancellationToken).ConfigureAwait(false) < start.Length)
        {
            throw MmsErrors.Malformed(Url, MmsClientStep.Header, "the body ends before an ASF Header Object");
        }

        long size;
        try
        {
            size = AsfHeaderReader.ReadHeaderObjectSize(start);
        }
        catch (AsfFormatException e)
        {
            throw new MmsClientException(MmsClientErrorKind.NotMmsServer, MmsClientStep.Header, Url,
                $"the body is not ASF ({e.Message})", e);
        }

        if (size > _options.MaxHeaderSize) throw MmsErrors.Malformed(Url, MmsClientStep.Header, $"an ASF header of {size} bytes exceeds MaxHeaderSize");
        byte[] header = new byte[size + AsfDataObjectHeader.Size];
        start.CopyTo(header, 0);
        int got = await ReadAsync(header.AsMemory(start.Length), MmsClientStep.Header, cancellationToken).ConfigureAwait(false);
        if (start.Length + got < header.Length)
        {
            throw MmsErrors.Malformed(Url, MmsClientStep.Header, "the body ends inside the ASF header");
        }

        var assembler = new MmsHeaderAssembler(_options.MaxHeaderSize, Url);
        assembler.Append(new System.Buffers.ReadOnlySequence<byte>(header), MmsClientStep.Header);
        _current.Install(assembler, MmsClientStep.Header);
        _packet = new byte[_current.PacketSize];
        _selected = AsfStreamSet.Of(MmsSelection.Initial(_current.Header, _options)
            .Where(s => s.ThinningLevel != StreamSelection.Off).Select(s => s.StreamNumber));
        if (_selected.IsEmpty) _selected = _current.Header.AllStreams;
    }

    /// <summary>Fills <paramref name="buffer"/> unless the body ends first; each read within the read deadline.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per packet
    private async ValueTask<int> ReadAsync(Memory<byte> buffer, MmsClientStep step, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_readCts.TryReset())
            {
                _readCts.Dispose();
                _readCts = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _options.TimeProvider);
            }

            _readCts.CancelAfter(_options.ReadTimeout);
            int read;
            try
            {
                using CancellationTokenRegistration registration = cancellationToken.CanBeCanceled
                    ? cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _readCts)
                    : default;
                read = await _body.ReadAsync(buffer[total..], _readCts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw new MmsClientException(MmsClientErrorKind.TimedOut, step, Url,
                    string.Create(CultureInfo.InvariantCulture, $"no data for {_options.ReadTimeout.TotalSeconds:0.###} s"));
            }
            catch (IOException e)
            {
                throw new MmsClientException(MmsClientErrorKind.ConnectionLost, step, Url, e.Message, e);
            }

            if (read == 0) break;
            total += read;
        }

        return total;
    }
}
