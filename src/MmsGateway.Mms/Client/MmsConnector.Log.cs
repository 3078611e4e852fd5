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
}
