using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

internal abstract partial class MmstControlledSession
{
    [LoggerMessage(Level = LogLevel.Information, Message = "MMST {Url}: seek to {Seconds} s with play incarnation {Incarnation}")]
    private static partial void LogSeek(ILogger logger, Uri url, double seconds, uint incarnation);
}
