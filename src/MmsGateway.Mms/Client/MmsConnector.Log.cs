using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

public static partial class MmsConnector
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Protocol} {Url}: connecting to {Endpoint}")]
    private static partial void LogAttempt(ILogger logger, MmsProtocol protocol, Uri url, string endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Protocol} {Url}: connected to {Endpoint} in {ElapsedMs:0} ms")]
    private static partial void LogConnected(ILogger logger, MmsProtocol protocol, Uri url, string endpoint, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Protocol} {Url}: redirected to {Location}")]
    private static partial void LogRedirected(ILogger logger, MmsProtocol protocol, Uri url, Uri location);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Protocol} {Url}: {Endpoint} failed ({Kind} at {Step}): {Detail}")]
    private static partial void LogFailed(ILogger logger, MmsProtocol protocol, Uri url, string endpoint,
        MmsClientErrorKind kind, MmsClientStep step, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMSU {Url}: UDP data cannot arrive; falling back to TCP data (MMST)")]
    private static partial void LogMmsuFallback(ILogger logger, Uri url);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSPU {Url}: no RTP over UDP; falling back to RTSP over TCP")]
    private static partial void LogRtspuFallback(ILogger logger, Uri url);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Url}: the server answered with a playlist; resolving it")]
    private static partial void LogPlaylistAnswer(ILogger logger, Uri url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Playlist candidate {Url} failed ({Kind} at {Step}); trying the next")]
    private static partial void LogCandidateFailed(ILogger logger, Uri url, MmsClientErrorKind kind, MmsClientStep step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Url}: {Detail}")]
    private static partial void LogRefused(ILogger logger, Uri url, string detail);
}
