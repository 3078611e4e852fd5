using Microsoft.Extensions.Logging;

namespace MmsGateway.Streams;

public sealed partial class StreamHub
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream}: no viewers, upstream session closed")]
    private static partial void LogIdle(ILogger logger, string stream);
}
