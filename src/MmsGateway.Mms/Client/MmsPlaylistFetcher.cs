using System.Net;
using System.Net.Http.Headers;
using MmsGateway.Asf;
using MmsGateway.Mms.Playlists;

namespace MmsGateway.Mms.Client;

/// <summary>
/// The fetch delegate the connector gives <see cref="PlaylistResolver"/>: HTTP(S) with a deadline
/// (<see cref="MmsClientOptions.ConnectTimeout"/> + <see cref="MmsClientOptions.HandshakeTimeout"/>) and a size cap
/// (<see cref="MmsClientOptions.MaxPlaylistSize"/>), and local files (<c>file://</c>). A body that turns out to be ASF
/// media (an ASF file under a playlist name, protocol.md §6.1) or MMSH framing is cut after its first 64 KiB, which
/// is all the sniffer needs. The User-Agent is not NSPlayer's, so a Windows Media server answers with its metafile
/// (<c>[Reference]</c>, §6.3) instead of the stream.
/// </summary>
internal static class MmsPlaylistFetcher
{
    private const int MediaPrefix = 64 * 1024;

    /// <summary>Shared with <see cref="PlainAsfSession"/>.</summary>
    internal static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 5,
        AutomaticDecompression = DecompressionMethods.All,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(30),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // each request has its own deadline
    };

    /// <summary>The playlist extensions resolved before any protocol is tried (protocol.md §6.1, §7.1).</summary>
    private static readonly string[] PlaylistExtensions = [".asx", ".wax", ".wvx", ".wmx", ".nsc"];

    /// <summary>
    /// True for a URL to resolve as a playlist first: a local file, or an http(s) URL whose path ends in a playlist
    /// extension (and has no <c>?MSWMExt=</c>, which means "stream it", §6.3).
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
}
