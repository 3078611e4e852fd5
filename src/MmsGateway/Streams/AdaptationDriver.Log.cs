using Microsoft.Extensions.Logging;
using MmsGateway.Mms.Client;

namespace MmsGateway.Streams;

internal sealed partial class AdaptationDriver
{
    [LoggerMessage(Level = LogLevel.Information,
        Message = "Stream {Stream}: smart streaming stepped {Direction}: {From} -> {To} (link {ReceivedKbps} kbps, media progress {Progress:0.00}, {BehindMs} ms behind)")]
    private static partial void LogStep(ILogger logger, string stream, string direction, string from, string to, long receivedKbps, double progress, long behindMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {Stream}: smart streaming off for this {Protocol} session: {Problem}")]
    private static partial void LogAdaptationUnsupported(ILogger logger, string stream, MmsProtocol protocol, string problem);
}
