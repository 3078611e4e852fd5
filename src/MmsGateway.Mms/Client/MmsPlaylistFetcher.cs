using System.Net;
using System.Net.Http.Headers;
using MmsGateway.Asf;
using MmsGateway.Mms.Playlists;

namespace MmsGateway.Mms.Client;

/// <summary>
/// The fetch delegate the connector gives <see cref="PlaylistResolver"/>: HTTP(S) with a deadline
/// (<see cref="MmsClientOptions.ConnectTimeout"/> + <see cref="MmsClientOptions.HandshakeTimeout"/>) and a size cap
/// (<see cref="MmsClientOptions.MaxPlaylistSize"/>), and local files (<c>file://</c>). A body that turns out to be ASF
/// media (an ASF file under a playlist name, docs/protocol/asx.md#s6.1) or MMSH framing is cut after its first 64 KiB, which
/// is all the sniffer needs. The User-Agent is not NSPlayer's, so a Windows Media server answers with its metafile
/// (<c>[Reference]</c>, docs/protocol/asx.md#s6.3) instead of the stream.
/// </summary>
internal static class MmsPlaylistFetcher
{
    private const int MediaPrefix = 64 * 1024;

    /// <summary>
    /// Shared with <see cref="PlainAsfSession"/>. Requests that carry an <see cref="IMmsEndpointPolicy"/> in their
    /// options go through a separate connection pool whose every connection is made
    /// to a resolved and checked address, and whose redirects are followed here, each hop checked.
    /// </summary>
    internal static readonly HttpClient Http = new(new PolicyRoutingHandler())
    {
        Timeout = Timeout.InfiniteTimeSpan, // each request has its own deadline
    };

    /// <summary>The policy a request is subject to (set by the fetcher, read by the guarded pool's connect callback).</summary>
    internal static readonly HttpRequestOptionsKey<IMmsEndpointPolicy> PolicyKey = new("MmsGateway.EndpointPolicy");

    /// <summary>The playlist extensions resolved before any protocol is tried (docs/protocol/asx.md#s6.1, docs/protocol/nsc.md#s7.1).</summary>
    private static readonly string[] PlaylistExtensions = [".asx", ".wax", ".wvx", ".wmx", ".nsc"];

    /// <summary>
    /// True for a URL to resolve as a playlist first: a local file, or an http(s) URL whose path ends in a playlist
    /// extension (and has no <c>?MSWMExt=</c>, which means "stream it", docs/protocol/asx.md#s6.3).
    /// </summary>
    public static bool IsPlaylistUrl(Uri url)
    {
        if (url.IsFile) return true;
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) return false;
        if (StreamUrls.HasMswmExt(url)) return false;
        string path = url.AbsolutePath;
        return PlaylistExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));
    }

    public static async Task<PlaylistDocument> FetchAsync(Uri url, MmsClientOptions options, CancellationToken cancellationToken)
    {
        MmsEndpointGuard.CheckUrl(options.EndpointPolicy, url, MmsClientStep.Playlist);
        if (url.IsFile) return await ReadFileAsync(url, options, cancellationToken).ConfigureAwait(false);
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Playlist, url,
                $"a playlist cannot be fetched over '{url.Scheme}'");
        }

        TimeSpan timeout = options.ConnectTimeout + options.HandshakeTimeout;
        using var timeoutCts = new CancellationTokenSource(timeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("MmsGateway", "1.0"));
            request.Headers.Accept.ParseAdd("*/*");
            if (options.EndpointPolicy is { } policy) request.Options.Set(PolicyKey, policy);
            using HttpResponseMessage response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead,
                linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                MmsClientException status = MmsErrors.FromHttpStatus(url, MmsClientStep.Playlist, (int)response.StatusCode,
                    response.ReasonPhrase ?? string.Empty);
                throw status;
            }

            string? contentType = response.Content.Headers.ContentType?.MediaType;
            await using Stream body = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            byte[] content = await ReadCappedAsync(body, url, options.MaxPlaylistSize, linked.Token).ConfigureAwait(false);
            return new PlaylistDocument(response.RequestMessage?.RequestUri ?? url, content, contentType);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Playlist, url,
                $"fetching the playlist took longer than {timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            MmsClientErrorKind kind = e.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => MmsClientErrorKind.Unreachable,
                HttpRequestError.ConnectionError when e.InnerException is System.Net.Sockets.SocketException
                    { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused } => MmsClientErrorKind.Refused,
                HttpRequestError.ConnectionError => MmsClientErrorKind.Unreachable,
                _ => MmsClientErrorKind.ConnectionLost,
            };
            throw new MmsClientException(kind, MmsClientStep.Playlist, url, $"fetching the playlist failed ({e.Message})", e);
        }
    }

    private static async Task<PlaylistDocument> ReadFileAsync(Uri url, MmsClientOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = new FileStream(url.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 4096,
                useAsync: true);
            byte[] content = await ReadCappedAsync(file, url, options.MaxPlaylistSize, cancellationToken).ConfigureAwait(false);
            return new PlaylistDocument(url, content);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new MmsClientException(MmsClientErrorKind.NotFound, MmsClientStep.Playlist, url, "no such file", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MmsClientException(MmsClientErrorKind.AccessDenied, MmsClientStep.Playlist, url, e.Message, e);
        }
    }

    /// <summary>Reads up to <paramref name="cap"/> bytes; media (ASF or <c>$</c> framing) only its first 64 KiB.</summary>
    private static async Task<byte[]> ReadCappedAsync(Stream body, Uri url, int cap, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[Math.Min(cap, 64 * 1024)];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (IsMedia(buffer.AsSpan(0, length)) && length >= MediaPrefix) break;
                if (length >= cap)
                {
                    throw new MmsClientException(MmsClientErrorKind.MalformedReply, MmsClientStep.Playlist, url,
                        $"the playlist is larger than {cap} bytes (MaxPlaylistSize)");
                }

                Array.Resize(ref buffer, Math.Min(cap, buffer.Length * 2));
            }

            int read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0) break;
            length += read;
        }

        return buffer[..length];
    }

    private static bool IsMedia(ReadOnlySpan<byte> start) =>
        (start.Length >= 16 && new Guid(start[..16]) == AsfGuids.Header) || (start.Length > 0 && (start[0] & 0x7F) == '$');

    /// <summary>
    /// Sends a request without a policy through an ordinary pool (redirects followed by the handler), and one with a
    /// policy through the guarded pool: each redirect hop checked with <see cref="IMmsEndpointPolicy.CheckUrl"/> here,
    /// each new connection made to an address checked with <see cref="IMmsEndpointPolicy.CheckAddress"/> in the
    /// connect callback (SocketsHttpHandler would otherwise resolve the name itself, after our check).
    /// </summary>
    private sealed class PolicyRoutingHandler : HttpMessageHandler
    {
        private const int MaxRedirects = 5;

        private readonly HttpMessageInvoker _open = new(new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = MaxRedirects,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        });

        private readonly HttpMessageInvoker _guarded = new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(30),
            ConnectCallback = ConnectCheckedAsync,
        });

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            IMmsEndpointPolicy? policy = request.Options.TryGetValue(PolicyKey, out IMmsEndpointPolicy? set) ? set : null;
            if (policy is null) return await _open.SendAsync(request, cancellationToken).ConfigureAwait(false);
            for (int hop = 0; ; hop++)
            {
                Uri target = request.RequestUri!;
                MmsEndpointGuard.CheckUrl(policy, target, hop == 0 ? MmsClientStep.Connect : MmsClientStep.Redirect);
                request.Options.Set(PolicyKey, policy);
                HttpResponseMessage response;
                try
                {
                    response = await _guarded.SendAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException e) when (MmsEndpointRefusedException.Find(e) is { } refused)
                {
                    throw MmsEndpointGuard.Refused(target, MmsClientStep.Connect, refused.Message);
                }

                if (!IsRedirect(response.StatusCode) || response.Headers.Location is not { } location) return response;
                response.Dispose();
                if (hop >= MaxRedirects)
                {
                    throw new MmsClientException(MmsClientErrorKind.TooManyRedirects, MmsClientStep.Redirect, target,
                        $"more than {MaxRedirects} HTTP redirects");
                }

                var next = new HttpRequestMessage(HttpMethod.Get, location.IsAbsoluteUri ? location : new Uri(target, location));
                foreach (KeyValuePair<string, IEnumerable<string>> header in request.Headers)
                {
                    next.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                next.Headers.Host = null;
                request = next;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _open.Dispose();
                _guarded.Dispose();
            }

            base.Dispose(disposing);
        }

        private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
            or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

        private static async ValueTask<Stream> ConnectCheckedAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
        {
            HttpRequestMessage request = context.InitialRequestMessage;
            if (!request.Options.TryGetValue(PolicyKey, out IMmsEndpointPolicy? policy))
            {
                throw new InvalidOperationException("a guarded connection was asked for without a policy");
            }

            Uri url = request.RequestUri!;
            IPAddress[] addresses = await MmsEndpointGuard.ResolveAsync(policy, url, context.DnsEndPoint.Host,
                Timeout.InfiniteTimeSpan, TimeProvider.System, MmsClientStep.Connect, cancellationToken).ConfigureAwait(false);
            System.Net.Sockets.SocketException? last = null;
            foreach (IPAddress address in addresses)
            {
                var socket = new System.Net.Sockets.Socket(address.AddressFamily, System.Net.Sockets.SocketType.Stream,
                    System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch (System.Net.Sockets.SocketException e)
                {
                    socket.Dispose();
                    last = e;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }

            throw last!;
        }
    }
}
