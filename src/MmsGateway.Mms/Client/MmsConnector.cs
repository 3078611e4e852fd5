using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MmsGateway.Mms.Playlists;

namespace MmsGateway.Mms.Client;

/// <summary>
/// Turns a URL into a connected <see cref="IMmsSession"/> (docs/design.md#source): protocol rollover for
/// <c>mms://</c> (docs/protocol/rollover.md#s8.3, docs/protocol/rtsp.md#s1.1: <see cref="MmsClientOptions.RolloverOrder"/>, default
/// RTSP over TCP, MMST, MMSH), one pinned protocol for <c>mmst://</c>, <c>mmsu://</c>, <c>mmsh://</c>, <c>http://</c>,
/// <c>rtsp://</c>, <c>rtspt://</c> and <c>rtspu://</c>, redirects followed, every attempt
/// with its own deadlines and recorded with its outcome.
/// <para>
/// Playlists (docs/protocol/asx.md#s6, docs/protocol/nsc.md#s7, docs/protocol/rollover.md#s8.3 "URL rollover"): a local file, an http(s) URL ending in .asx/.wax/.wvx/.nsc,
/// or an http URL whose server answers with a metafile instead of MMSH framing is resolved with
/// <see cref="PlaylistResolver"/>. Each entry's REF alternatives are tried in order, each with protocol rollover; an
/// NSC station is joined on its multicast group first and its Unicast URL tried after the Open timer. A playlist of
/// several entries plays them one after the other (the session reports a header change at each boundary).
/// </para>
/// </summary>
public static partial class MmsConnector
{
    /// <summary>
    /// Connects. On failure throws <see cref="MmsClientException"/> carrying every attempt
    /// (<see cref="MmsClientException.Attempts"/>); its Kind and Step are those of the most telling failure (a
    /// playlist, not found or authentication outranks a refused connection).
    /// </summary>
    public static async Task<MmsConnectResult> ConnectAsync(Uri url, MmsClientOptions options, ILogger? logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(options);
        if (!url.IsAbsoluteUri) throw new ArgumentException($"'{url}' is not an absolute URL.", nameof(url));
        options.Validate();
        var context = new ConnectContext(options, logger ?? NullLogger.Instance, options.ClientGuid ?? Guid.NewGuid());
        try
        {
            MmsEndpointGuard.CheckUrl(options.EndpointPolicy, url, MmsClientStep.Connect);
        }
        catch (MmsClientException e)
        {
            LogRefused(context.Logger, MmsUrl.Redact(url), e.Detail);
            throw Fail(url, context.Attempts, e);
        }

        if (options.FollowPlaylists && MmsPlaylistFetcher.IsPlaylistUrl(url))
        {
            IReadOnlyList<PlaylistEntry> entries = await ResolveAsync(url, null, context, cancellationToken).ConfigureAwait(false);
            return await ConnectEntriesAsync(url, entries, context, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            IMmsSession session = await ConnectOrDownloadAsync(url, context, cancellationToken).ConfigureAwait(false);
            return new MmsConnectResult(session, context.Attempts);
        }
        catch (MmsClientException e) when (e.Kind == MmsClientErrorKind.Playlist && !e.Content.IsEmpty && options.FollowPlaylists)
        {
            // The HTTP server sent a metafile instead of MMSH framing (docs/protocol/asx.md#s6.3): resolve it from what came back.
            LogPlaylistAnswer(context.Logger, MmsUrl.Redact(url));
            var document = new PlaylistDocument(url, e.Content, e.ContentType);
            IReadOnlyList<PlaylistEntry> entries = await ResolveAsync(url, document, context, cancellationToken)
                .ConfigureAwait(false);
            return await ConnectEntriesAsync(url, entries, context, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Resolves a playlist URL into its entries with the connector's fetcher (HTTP with a deadline and a size cap, or
    /// a local file), without connecting to anything (what <c>probe</c> and the tests use to show the URL order).
    /// </summary>
    public static async Task<IReadOnlyList<PlaylistEntry>> ResolvePlaylistAsync(Uri url, MmsClientOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var context = new ConnectContext(options, NullLogger.Instance, Guid.NewGuid());
        return await ResolveAsync(url, null, context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>State shared by every attempt of one <see cref="ConnectAsync"/> (and of a playlist's later entries).</summary>
    internal sealed class ConnectContext(MmsClientOptions options, ILogger logger, Guid clientGuid)
    {
        public MmsClientOptions Options { get; } = options;

        public ILogger Logger { get; } = logger;

        public Guid ClientGuid { get; } = clientGuid;

        public List<MmsConnectAttempt> Attempts { get; } = [];
    }

    private static async Task<IReadOnlyList<PlaylistEntry>> ResolveAsync(Uri url, PlaylistDocument? first,
        ConnectContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await PlaylistResolver.ResolveAsync(url, (target, ct) =>
                    first is not null && target.AbsoluteUri == url.AbsoluteUri
                        ? Task.FromResult(first)
                        : MmsPlaylistFetcher.FetchAsync(target, context.Options, ct),
                context.Options.PlaylistLimits, cancellationToken).ConfigureAwait(false);
        }
        catch (PlaylistResolutionException e)
        {
            MmsClientException? cause = e.InnerException as MmsClientException;
            throw Fail(url, context.Attempts, new MmsClientException(cause?.Kind ?? MmsClientErrorKind.MalformedReply,
                MmsClientStep.Playlist, e.Url ?? url, cause?.Detail ?? e.Message, e)
            {
                HttpStatusCode = cause?.HttpStatusCode,
            });
        }
    }

    /// <summary>Connects the first entry that plays; with several entries (or a loop) a <see cref="PlaylistSession"/>.</summary>
    private static async Task<MmsConnectResult> ConnectEntriesAsync(Uri url, IReadOnlyList<PlaylistEntry> entries,
        ConnectContext context, CancellationToken cancellationToken)
    {
        (IMmsSession session, int index) = await ConnectFromAsync(url, entries, 0, context, cancellationToken)
            .ConfigureAwait(false);
        if (entries.Count == 1 && !entries[0].RepeatsForever) return new MmsConnectResult(session, context.Attempts);
        var playlist = new PlaylistSession(url, entries, index, session, context);
        return new MmsConnectResult(playlist, context.Attempts);
    }

    /// <summary>
    /// The first entry from <paramref name="start"/> on whose candidates connect (docs/protocol/asx.md#s6.2: REFs in order, each with
    /// protocol rollover; an NSC station before its Unicast URL, docs/protocol/rollover.md#s8.3).
    /// </summary>
    internal static async Task<(IMmsSession Session, int Index)> ConnectFromAsync(Uri url,
        IReadOnlyList<PlaylistEntry> entries, int start, ConnectContext context, CancellationToken cancellationToken)
    {
        for (int index = start; index < entries.Count; index++)
        {
            foreach (PlaylistCandidate candidate in entries[index].Candidates)
            {
                try
                {
                    IMmsSession session = candidate.Station is { } station
                        ? await OpenStationAsync(candidate.Url, station, context, cancellationToken).ConfigureAwait(false)
                        : await ConnectOrDownloadAsync(CandidateUrl(candidate), context, cancellationToken).ConfigureAwait(false);
                    return (session, index);
                }
                catch (MmsClientException e) when (!cancellationToken.IsCancellationRequested)
                {
                    LogCandidateFailed(context.Logger, MmsUrl.Redact(candidate.Url), e.Kind, e.Step);
                }
            }
        }

        throw Fail(url, context.Attempts, null);
    }

    /// <summary>
    /// The URL of a candidate: as written. A <c>[Reference]</c> Ref (flagged <see cref="PlaylistCandidate.TryAsMmsh"/>)
    /// is an http:// URL, which this client already speaks as MMSH (docs/protocol/asx.md#s6.3, docs/protocol/rollover.md#s8.3).
    /// </summary>
    private static Uri CandidateUrl(PlaylistCandidate candidate) => candidate.Url;

    /// <summary>
    /// A URL with rollover, or read as a plain ASF file: a local file (a playlist may name one), or an http URL whose
    /// server turned out to be a plain web server sending the file (docs/protocol/asx.md#s6.1).
    /// </summary>
    private static async Task<IMmsSession> ConnectOrDownloadAsync(Uri url, ConnectContext context,
        CancellationToken cancellationToken)
    {
        CheckOrRecord(url, context, url.IsFile ? MmsProtocol.Download : MmsProtocol.Mmst);
        if (url.IsFile) return await OpenDownloadAsync(url, context, cancellationToken).ConfigureAwait(false);
        int before = context.Attempts.Count;
        try
        {
            return await ConnectUrlAsync(url, context, cancellationToken).ConfigureAwait(false);
        }
        catch (MmsClientException) when (context.Options.FollowPlaylists
                                         && context.Attempts.Skip(before).Any(a => a.Error?.PlainAsf == true))
        {
            return await OpenDownloadAsync(url, context, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<IMmsSession> OpenDownloadAsync(Uri url, ConnectContext context, CancellationToken cancellationToken)
    {
        TimeProvider time = context.Options.TimeProvider;
        long start = time.GetTimestamp();
        Uri shown = MmsUrl.Redact(url);
        string endpoint = url.IsFile ? url.LocalPath : MmsUrl.Format(url.DnsSafeHost, url.Port);
        LogAttempt(context.Logger, MmsProtocol.Download, shown, endpoint);
        try
        {
            PlainAsfSession session;
            if (url.IsFile)
            {
                session = await PlainAsfSession.OpenFileAsync(url, context.Options, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                session = await PlainAsfSession.OpenHttpAsync(url, context.Options, cancellationToken).ConfigureAwait(false);
            }

            TimeSpan elapsed = time.GetElapsedTime(start);
            context.Attempts.Add(new MmsConnectAttempt(MmsProtocol.Download, shown, endpoint, MmsConnectOutcome.Connected, elapsed));
            LogConnected(context.Logger, MmsProtocol.Download, shown, endpoint, elapsed.TotalMilliseconds);
            return session;
        }
        catch (MmsClientException e)
        {
            context.Attempts.Add(new MmsConnectAttempt(MmsProtocol.Download, shown, endpoint, MmsConnectOutcome.Failed,
                time.GetElapsedTime(start), e));
            LogFailed(context.Logger, MmsProtocol.Download, shown, endpoint, e.Kind, e.Step, e.Detail);
            throw Fail(url, context.Attempts, null);
        }
    }

    private static async Task<IMmsSession> OpenStationAsync(Uri url, NscFile station, ConnectContext context,
        CancellationToken cancellationToken)
    {
        TimeProvider time = context.Options.TimeProvider;
        long start = time.GetTimestamp();
        string endpoint = MsbSession.EndpointOf(station);
        Uri shown = MmsUrl.Redact(url);
        LogAttempt(context.Logger, MmsProtocol.Multicast, shown, endpoint);
        try
        {
            // The group joined is named by a document from the network: the policy decides whether it may be.
            if (context.Options.EndpointPolicy is { } policy && System.Net.IPAddress.TryParse(station.IpAddress, out var group)
                && policy.CheckAddress(url, group) is { } reason)
            {
                throw MmsEndpointGuard.Refused(url, MmsClientStep.Connect, reason);
            }

            MsbSession session = await MsbSession.OpenAsync(url, station, context.Options, context.Logger, cancellationToken)
                .ConfigureAwait(false);
            TimeSpan elapsed = time.GetElapsedTime(start);
            context.Attempts.Add(new MmsConnectAttempt(MmsProtocol.Multicast, shown, endpoint, MmsConnectOutcome.Connected, elapsed));
            LogConnected(context.Logger, MmsProtocol.Multicast, shown, endpoint, elapsed.TotalMilliseconds);
            return session;
        }
        catch (MmsClientException e)
        {
            context.Attempts.Add(new MmsConnectAttempt(MmsProtocol.Multicast, shown, endpoint, MmsConnectOutcome.Failed,
                time.GetElapsedTime(start), e));
            LogFailed(context.Logger, MmsProtocol.Multicast, shown, endpoint, e.Kind, e.Step, e.Detail);
            throw;
        }
    }

    /// <summary>One URL: protocol rollover and redirects (docs/protocol/rollover.md#s8.3); every attempt is added to the context.</summary>
    private static async Task<IMmsSession> ConnectUrlAsync(Uri url, ConnectContext context,
        CancellationToken cancellationToken)
    {
        MmsClientOptions options = context.Options;
        ILogger logger = context.Logger;
        Guid clientGuid = context.ClientGuid;
        TimeProvider time = options.TimeProvider;
        List<MmsConnectAttempt> attempts = context.Attempts;
        Uri current = url;
        for (int redirects = 0; ; redirects++)
        {
            IReadOnlyList<MmsProtocol> protocols = MmsUrl.ProtocolsFor(current, options)
                ?? throw Fail(url, attempts, new MmsClientException(MmsClientErrorKind.NotSupported,
                    redirects == 0 ? MmsClientStep.Connect : MmsClientStep.Redirect, current,
                    $"the scheme '{current.Scheme}' is not mms, mmst, mmsu, mmsh, http, rtsp, rtspt or rtspu"));
            Uri? redirect = null;
            var queue = new List<MmsProtocol>(protocols);
            for (int i = 0; i < queue.Count; i++)
            {
                MmsProtocol protocol = queue[i];
                (string host, int port) = MmsUrl.Endpoint(current, protocol, options);
                string endpoint = MmsUrl.Format(host, port);
                Uri shown = MmsUrl.Redact(current);
                long start = time.GetTimestamp();
                LogAttempt(logger, protocol, shown, endpoint);
                try
                {
                    if (options.EndpointPolicy is { } policy)
                    {
                        // Resolve once and check every address; the session then connects (and reconnects, for an
                        // MMSH re-Play) to the checked address literally, never to a re-resolved name.
                        MmsEndpointGuard.CheckUrl(policy, current, redirects == 0 ? MmsClientStep.Connect : MmsClientStep.Redirect);
                        System.Net.IPAddress[] checkedAddresses = await MmsEndpointGuard.ResolveAsync(policy, current, host,
                            options.ConnectTimeout, time, MmsClientStep.Connect, cancellationToken).ConfigureAwait(false);
                        host = checkedAddresses[0].ToString();
                    }

                    IMmsSession session = protocol switch
                    {
                        MmsProtocol.Mmst => await MmstSession.ConnectAsync(current, host, port, options, clientGuid,
                            logger, cancellationToken).ConfigureAwait(false),
                        MmsProtocol.Mmsh => await MmshSession.ConnectAsync(current, host, port, options, clientGuid,
                            logger, cancellationToken).ConfigureAwait(false),
                        MmsProtocol.Rtspt or MmsProtocol.Rtspu => await RtspSession.ConnectAsync(current, host, port,
                            protocol, options, clientGuid, logger, cancellationToken).ConfigureAwait(false),
                        _ => await MmsuSession.ConnectAsync(current, host, port, options, clientGuid,
                            logger, cancellationToken).ConfigureAwait(false),
                    };
                    TimeSpan elapsed = time.GetElapsedTime(start);
                    attempts.Add(new MmsConnectAttempt(protocol, shown, endpoint, MmsConnectOutcome.Connected, elapsed));
                    LogConnected(logger, protocol, shown, endpoint, elapsed.TotalMilliseconds);
                    return session;
                }
                catch (MmsRedirectException e)
                {
                    attempts.Add(new MmsConnectAttempt(protocol, shown, endpoint, MmsConnectOutcome.Redirected,
                        time.GetElapsedTime(start), RedirectedTo: MmsUrl.Redact(e.Location)));
                    LogRedirected(logger, protocol, shown, MmsUrl.Redact(e.Location));
                    redirect = e.Location;
                    break;
                }
                catch (MmsClientException e)
                {
                    // Every failure rolls over to the next protocol (docs/protocol/rollover.md#s8.3: connect failure or timeout, funnel
                    // refused, an error hr, HTTP >= 400, no data in time).
                    attempts.Add(new MmsConnectAttempt(protocol, shown, endpoint, MmsConnectOutcome.Failed,
                        time.GetElapsedTime(start), e));
                    LogFailed(logger, protocol, shown, endpoint, e.Kind, e.Step, e.Detail);

                    // MMSU whose data cannot arrive over UDP: the same server with TCP data, as MS-MMSP 3.1.5.5 allows
                    // (docs/protocol/mmsu.md#s1.8.3), unless MMST is tried later anyway.
                    if (e.MmsuFallback && !queue.Skip(i + 1).Contains(MmsProtocol.Mmst))
                    {
                        LogMmsuFallback(logger, shown);
                        queue.Insert(i + 1, MmsProtocol.Mmst);
                    }

                    // RTSP over UDP whose data never came: RTSP over TCP on the same server (what ffmpeg and VLC do,
                    // docs/protocol/rtsp.md#s2.7), unless it is tried later anyway.
                    if (e.RtspuFallback && !queue.Skip(i + 1).Contains(MmsProtocol.Rtspt))
                    {
                        LogRtspuFallback(logger, shown);
                        queue.Insert(i + 1, MmsProtocol.Rtspt);
                    }
                }
            }

            if (redirect is null) throw Fail(url, attempts, null);
            if (redirects >= options.MaxRedirects)
            {
                throw Fail(url, attempts, new MmsClientException(MmsClientErrorKind.TooManyRedirects,
                    MmsClientStep.Redirect, url, $"more than {options.MaxRedirects} redirects (last to {MmsUrl.Redact(redirect)})"));
            }

            current = redirect;
        }
    }

    /// <summary>
    /// Refuses a URL the policy forbids before anything is opened, recording it as a failed attempt (so the error lists
    /// it with the other candidates of a playlist).
    /// </summary>
    private static void CheckOrRecord(Uri url, ConnectContext context, MmsProtocol protocol)
    {
        if (context.Options.EndpointPolicy?.CheckUrl(url) is not { } reason) return;
        MmsClientException refused = MmsEndpointGuard.Refused(url, MmsClientStep.Connect, reason);
        Uri shown = MmsUrl.Redact(url);
        string endpoint = url.IsFile ? url.LocalPath : MmsUrl.Format(url.DnsSafeHost, url.IsDefaultPort ? 0 : url.Port);
        context.Attempts.Add(new MmsConnectAttempt(protocol, shown, endpoint, MmsConnectOutcome.Failed, TimeSpan.Zero, refused));
        LogRefused(context.Logger, shown, refused.Detail);
        throw Fail(url, context.Attempts, null);
    }

    /// <summary>The exception for a failed connect: the most telling attempt's kind and step, every attempt listed.</summary>
    internal static MmsClientException Fail(Uri url, List<MmsConnectAttempt> attempts, MmsClientException? final)
    {
        var failed = attempts.Where(a => a.Error is not null).ToList();
        MmsClientException primary = final
            ?? failed.OrderByDescending(a => Rank(a.Error!.Kind)).Select(a => a.Error!).FirstOrDefault()
            ?? new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Connect, url, "no protocol to try");
        string detail = failed.Count <= 1 && final is null
            ? primary.Detail
            : string.Join("; ", attempts.Select(a => a.ToString()).Append(final?.Detail ?? string.Empty)
                .Where(s => s.Length > 0));
        return new MmsClientException(primary.Kind, primary.Step, primary.Url ?? url, detail, primary)
        {
            ServerHResult = primary.ServerHResult,
            HttpStatusCode = primary.HttpStatusCode,
            Content = primary.Content,
            ContentType = primary.ContentType,
            Attempts = attempts.ToArray(),
        };
    }

    /// <summary>How much a failure says about the resource (higher = reported first).</summary>
    private static int Rank(MmsClientErrorKind kind) => kind switch
    {
        MmsClientErrorKind.Playlist => 12,
        MmsClientErrorKind.NotFound => 11,
        MmsClientErrorKind.AuthenticationRequired => 10,
        MmsClientErrorKind.AccessDenied => 9,
        MmsClientErrorKind.ServerError => 8,
        MmsClientErrorKind.MalformedReply => 7,
        MmsClientErrorKind.TooManyRedirects => 6,
        MmsClientErrorKind.NotMmsServer => 5,
        MmsClientErrorKind.TimedOut => 4,
        MmsClientErrorKind.ConnectionLost => 3,
        MmsClientErrorKind.Refused => 2,
        MmsClientErrorKind.Unreachable => 1,
        _ => 0,
    };
}
