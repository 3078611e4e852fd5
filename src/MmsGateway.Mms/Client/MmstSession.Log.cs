using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

internal sealed partial class MmstSession
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "MMST {Url}: server version {ServerVersion}, authentication package '{AuthenPackage}'")]
    private static partial void LogConnected(ILogger logger, Uri url, string serverVersion, string authenPackage);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MMST {Url}: opened '{FileName}', attributes 0x{Attributes:X8}, packet size {PacketSize}, header size {HeaderSize}")]
    private static partial void LogOpened(ILogger logger, Uri url, string fileName, uint attributes, uint packetSize, uint headerSize);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MMST {Url}: header of {Bytes} bytes, {Streams} streams, packet size {PacketSize}, broadcast {Broadcast}")]
    private static partial void LogHeader(ILogger logger, Uri url, int bytes, int streams, int packetSize, bool broadcast);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MMST {Url}: stream selection {Entries}")]
    private static partial void LogSelection(ILogger logger, Uri url, string entries);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMST {Url}: the header changed (next playlist entry): {Bytes} bytes, {Streams} streams")]
    private static partial void LogHeaderChanged(ILogger logger, Uri url, int bytes, int streams);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMST {Url}: seek to {Seconds} s with play incarnation {Incarnation}")]
    private static partial void LogSeek(ILogger logger, Uri url, double seconds, uint incarnation);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMST {Url}: end of stream ({Stale} stale packets dropped)")]
    private static partial void LogEndOfStream(ILogger logger, Uri url, long stale);

    [LoggerMessage(Level = LogLevel.Trace, Message = "MMST {Url}: ignored message 0x{MessageId:X8}")]
    private static partial void LogIgnored(ILogger logger, Uri url, uint messageId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MMST {Url}: CloseFile not sent: {Reason}")]
    private static partial void LogCloseFailed(ILogger logger, Uri url, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMSU {Url}: no header over UDP yet, ReadBlock try {Try} (header timer {TimerMs} ms)")]
    private static partial void LogHeaderRetry(ILogger logger, Uri url, int @try, double timerMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMSU {Url}: end of stream ({Requested} packets asked for again, {Recovered} recovered, {Lost} lost)")]
    private static partial void LogUdpEnd(ILogger logger, Uri url, long requested, long recovered, long lost);
}
