using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

internal sealed partial class MmstControlChannel
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "MMST {Url}: server version {ServerVersion}, authentication package '{AuthenPackage}'")]
    private static partial void LogConnected(ILogger logger, Uri url, string serverVersion, string authenPackage);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MMST {Url}: opened '{FileName}', attributes 0x{Attributes:X8}, packet size {PacketSize}, header size {HeaderSize}")]
    private static partial void LogOpened(ILogger logger, Uri url, string fileName, uint attributes, uint packetSize, uint headerSize);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MMST {Url}: header of {Bytes} bytes, {Streams} streams, packet size {PacketSize}, broadcast {Broadcast}")]
    private static partial void LogHeader(ILogger logger, Uri url, int bytes, int streams, int packetSize, bool broadcast);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MMST {Url}: stream selection {Entries}")]
    private static partial void LogSelection(ILogger logger, Uri url, string entries);

    [LoggerMessage(Level = LogLevel.Trace, Message = "MMST {Url}: ignored message 0x{MessageId:X8}")]
    private static partial void LogIgnored(ILogger logger, Uri url, uint messageId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MMST {Url}: CloseFile not sent: {Reason}")]
    private static partial void LogCloseFailed(ILogger logger, Uri url, string reason);
}
