using Microsoft.Extensions.Logging;

namespace MmsGateway.Origin.Rtsp;

internal sealed partial class RtspServerSession
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "RTSP {Peer}: {What}")]
    private static partial void LogSession(ILogger logger, string peer, string what);

    [LoggerMessage(Level = LogLevel.Debug, Message = "RTSP {Peer}: {Method} {Uri}")]
    private static partial void LogRequest(ILogger logger, string peer, string method, string uri);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSP {Peer}: described {Name} (live: {Live})")]
    private static partial void LogDescribed(ILogger logger, string peer, string name, bool live);

    [LoggerMessage(Level = LogLevel.Debug, Message = "RTSP {Peer}: SETUP {Uri} -> {Transport}")]
    private static partial void LogSetup(ILogger logger, string peer, string uri, string transport);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSP {Peer}: PLAY {Name} streams {Streams} from npt {From}")]
    private static partial void LogPlay(ILogger logger, string peer, string name, string streams, double from);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSP {Peer}: stream switch {Changes}")]
    private static partial void LogSwitched(ILogger logger, string peer, string changes);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSP {Peer}: authenticated as {User}")]
    private static partial void LogAuthenticated(ILogger logger, string peer, string user);

    [LoggerMessage(Level = LogLevel.Debug, Message = "RTSP {Peer}: NACK for {Lost} packets, {Sent} sent again")]
    private static partial void LogRetransmitted(ILogger logger, string peer, int lost, int sent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RTSP {Peer}: {Problem}")]
    private static partial void LogProtocolError(ILogger logger, string peer, string problem);
}
