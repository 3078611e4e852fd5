using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

internal sealed partial class MmstSession
{
    [LoggerMessage(Level = LogLevel.Information, Message = "MMST {Url}: the header changed (next playlist entry): {Bytes} bytes, {Streams} streams")]
    private static partial void LogHeaderChanged(ILogger logger, Uri url, int bytes, int streams);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMST {Url}: end of stream ({Stale} stale packets dropped)")]
    private static partial void LogEndOfStream(ILogger logger, Uri url, long stale);
}
