using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

internal sealed partial class MmshSession
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "MMSH {Url}: Describe answered {Status}, client-id {ClientId}, features \"{Features}\", server {Server}")]
    private static partial void LogDescribed(ILogger logger, Uri url, int status, uint? clientId, string features, string? server);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MMSH {Url}: playing, entries {Entries}, stream-time {StreamTimeMs}")]
    private static partial void LogPlaying(ILogger logger, Uri url, string entries, uint? streamTimeMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMSH {Url}: seek to {Milliseconds} ms")]
    private static partial void LogSeek(ILogger logger, Uri url, uint milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMSH {Url}: the header changed: {Bytes} bytes, {Streams} streams")]
    private static partial void LogHeaderChanged(ILogger logger, Uri url, int bytes, int streams);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMSH {Url}: end of stream (reason 0x{Reason:X8}) after {Packets} packets")]
    private static partial void LogEndOfStream(ILogger logger, Uri url, uint reason, long packets);
}
