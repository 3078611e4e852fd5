using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

internal sealed partial class MmsuSession
{
    [LoggerMessage(Level = LogLevel.Information, Message = "MMSU {Url}: no header over UDP yet, ReadBlock try {Try} (header timer {TimerMs} ms)")]
    private static partial void LogHeaderRetry(ILogger logger, Uri url, int @try, double timerMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "MMSU {Url}: end of stream ({Requested} packets asked for again, {Recovered} recovered, {Lost} lost)")]
    private static partial void LogUdpEnd(ILogger logger, Uri url, long requested, long recovered, long lost);
}
