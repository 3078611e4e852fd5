using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MmsGateway.Mms.Client;

/// <summary>
/// Turns a URL into a connected <see cref="IMmsSession"/> (design.md "Source"): protocol rollover for
/// <c>mms://</c> (protocol.md §8.3: <see cref="MmsClientOptions.RolloverOrder"/>, default MMST then MMSH), one pinned
/// protocol for <c>mmst://</c>, <c>mmsu://</c>, <c>mmsh://</c> and <c>http://</c>, redirects followed, every attempt
/// with its own deadlines and recorded with its outcome.
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
        logger ??= NullLogger.Instance;
        Guid clientGuid = options.ClientGuid ?? Guid.NewGuid();
        TimeProvider time = options.TimeProvider;
        var attempts = new List<MmsConnectAttempt>();
        Uri current = url;
        for (int redirects = 0; ; redirects++)
        {
            IReadOnlyList<MmsProtocol> protocols = MmsUrl.ProtocolsFor(current, options)
                ?? throw Fail(url, attempts, new MmsClientException(MmsClientErrorKind.NotSupported,
                    redirects == 0 ? MmsClientStep.Connect : MmsClientStep.Redirect, current,
                    $"the scheme '{current.Scheme}' is not mms, mmst, mmsu, mmsh or http"));
            Uri? redirect = null;
            foreach (MmsProtocol protocol in protocols)
            {
                (string host, int port) = MmsUrl.Endpoint(current, protocol, options);
                string endpoint = MmsUrl.Format(host, port);
                Uri shown = MmsUrl.Redact(current);
                long start = time.GetTimestamp();
                LogAttempt(logger, protocol, shown, endpoint);
                try
                {
                    IMmsSession session = protocol switch
                    {
                        MmsProtocol.Mmst => await MmstSession.ConnectAsync(current, host, port, options, clientGuid,
                            logger, cancellationToken).ConfigureAwait(false),
                        MmsProtocol.Mmsh => await MmshSession.ConnectAsync(current, host, port, options, clientGuid,
                            logger, cancellationToken).ConfigureAwait(false),
                        _ => throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Connect,
                            current, "MMSU (data over UDP) is not implemented"),
                    };
                    TimeSpan elapsed = time.GetElapsedTime(start);
                    attempts.Add(new MmsConnectAttempt(protocol, shown, endpoint, MmsConnectOutcome.Connected, elapsed));
                    LogConnected(logger, protocol, shown, endpoint, elapsed.TotalMilliseconds);
                    return new MmsConnectResult(session, attempts);
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
                    // Every failure rolls over to the next protocol (§8.3: connect failure or timeout, funnel
                    // refused, an error hr, HTTP >= 400, no data in time).
                    attempts.Add(new MmsConnectAttempt(protocol, shown, endpoint, MmsConnectOutcome.Failed,
                        time.GetElapsedTime(start), e));
                    LogFailed(logger, protocol, shown, endpoint, e.Kind, e.Step, e.Detail);
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

    /// <summary>The exception for a failed connect: the most telling attempt's kind and step, every attempt listed.</summary>
    private static MmsClientException Fail(Uri url, List<MmsConnectAttempt> attempts, MmsClientException? final)
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
