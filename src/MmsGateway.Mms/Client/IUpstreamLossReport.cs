namespace MmsGateway.Mms.Client;

/// <summary>
/// A session over a lossy transport (MMSU, RTSP) says what it recovered and what it lost, as cumulative counts since
/// it opened: readers (the gateway's metrics) take the difference between two reads. Reading allocates nothing, so
/// it may be done at every read batch.
/// </summary>
public interface IUpstreamLossReport
{
    /// <summary>The counts so far; never decreasing during the session.</summary>
    UpstreamLossCounts LossCounts { get; }
}

/// <summary>Cumulative losses of one upstream session (<see cref="IUpstreamLossReport"/>).</summary>
/// <param name="Recovered">
/// Transport packets (MMSU datagrams, RTP packets) found missing and then received after all, by a resend request
/// (docs/protocol/mmsu.md#s1.8.7, docs/protocol/rtsp.md#s7.1) or late.
/// </param>
/// <param name="Lost">Transport packets given up on: never received.</param>
/// <param name="Torn">
/// ASF packets dropped because a fragment of theirs was lost (RTP only: docs/protocol/rtsp.md#s4.4); an MMSU datagram
/// is one whole ASF packet, so MMSU has none.
/// </param>
public readonly record struct UpstreamLossCounts(long Recovered, long Lost, long Torn);
