using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

internal sealed partial class RtspSession
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "RTSP {Url}: described by {Server}: {Media} media descriptions, {HeaderBytes}-byte ASF header, playlist generation {GenId}")]
    private static partial void LogDescribed(ILogger logger, Uri url, string? server, int media, int headerBytes, string? genId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "RTSP {Url}: playing over {Protocol}, session {SessionId}, {Streams} streams set up, server {Server}")]
    private static partial void LogPlaying(ILogger logger, Uri url, MmsProtocol protocol, string? sessionId, int streams, string? server);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSP {Url}: seek to {Seconds} s")]
    private static partial void LogSeek(ILogger logger, Uri url, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSP {Url}: stream switch {OldStream} -> {NewStream} at thinning level {Level}")]
    private static partial void LogSwitch(ILogger logger, Uri url, int oldStream, int newStream, int level);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSP {Url}: the header changed (ANNOUNCE): {Bytes} bytes, {Streams} streams")]
    private static partial void LogHeaderChanged(ILogger logger, Uri url, int bytes, int streams);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSP {Url}: end of stream after {Packets} packets ({Gaps} sequence gaps)")]
    private static partial void LogEndOfStream(ILogger logger, Uri url, uint packets, long gaps);

    [LoggerMessage(Level = LogLevel.Debug, Message = "RTSP {Url}: the server announced the end of the stream ({Notice})")]
    private static partial void LogEndNotice(ILogger logger, Uri url, string? notice);

    [LoggerMessage(Level = LogLevel.Debug, Message = "RTSP {Url}: RTCP BYE from the server")]
    private static partial void LogBye(ILogger logger, Uri url);

    [LoggerMessage(Level = LogLevel.Trace, Message = "RTSP {Url}: keep-alive GET_PARAMETER (CSeq {CSeq})")]
    private static partial void LogKeepAlive(ILogger logger, Uri url, int cseq);

    [LoggerMessage(Level = LogLevel.Debug, Message = "RTSP {Url}: {Method} answered {Status}")]
    private static partial void LogAsyncRefused(ILogger logger, Uri url, string method, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "RTSPU {Url}: no rtx stream ({Detail}); lost packets are not asked for again")]
    private static partial void LogNoRtx(ILogger logger, Uri url, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Protocol} {Url}: closed after {Packets} ASF packets: {Gaps} sequence gaps, {LostRtp} RTP packets lost, {Torn} torn ASF packets, {Skipped} frames skipped, {Foreign} datagrams from other addresses, {Nacks} NACKs, {Recovered} recovered")]
    private static partial void LogSummary(ILogger logger, Uri url, MmsProtocol protocol, long packets, long gaps, long lostRtp,
        long torn, long skipped, long foreign, long nacks, long recovered);
}
