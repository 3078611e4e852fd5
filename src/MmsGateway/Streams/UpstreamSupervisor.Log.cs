using Microsoft.Extensions.Logging;

namespace MmsGateway.Streams;

public sealed partial class UpstreamSupervisor
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {Stream}: upstream lost ({Problem}); retrying in {Delay:0.0} s")]
    private static partial void LogLost(ILogger logger, string stream, string problem, double delay);
}
