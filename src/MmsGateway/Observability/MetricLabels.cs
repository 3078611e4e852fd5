namespace MmsGateway.Observability;

/// <summary>
/// The label values of the gateway's metrics. Labels must stay low-cardinality (docs/design.md#metrics): use these
/// constants, never free text such as exception messages or URLs.
/// </summary>
public static class MetricLabels
{
    /// <summary>Values of <c>output</c> on <c>mmsgw_viewers</c> and <c>mmsgw_viewer_bytes_total</c>.</summary>
    public static class Outputs
    {
        public const string Asf = "asf";
        public const string Wmsp = "wmsp";
        public const string Hls = "hls";
    }

    /// <summary>Values of <c>protocol</c> on the upstream metrics.</summary>
    public static class Protocols
    {
        public const string Mmst = "mmst";
        public const string Mmsh = "mmsh";
        public const string Mmsu = "mmsu";
        public const string Rtspt = "rtspt";
        public const string Rtspu = "rtspu";
        public const string Http = "http";
    }

    /// <summary>Values of <c>result</c> on <c>mmsgw_upstream_connect_attempts_total</c>.</summary>
    public static class ConnectResults
    {
        public const string Success = "success";
        /// <summary>No answer before the attempt's deadline.</summary>
        public const string Timeout = "timeout";
        /// <summary>The TCP connection (or the UDP resend channel) was refused or unreachable.</summary>
        public const string Refused = "refused";
        /// <summary>The server sent a redirect (followed as a new attempt).</summary>
        public const string Redirect = "redirect";
        /// <summary>The server rejected the credentials.</summary>
        public const string Unauthorized = "unauthorized";
        /// <summary>The server answered the request with an error (file not found, server busy ...).</summary>
        public const string ServerError = "server_error";
        /// <summary>The answer did not parse as the protocol.</summary>
        public const string ProtocolError = "protocol_error";
        /// <summary>Anything else.</summary>
        public const string Error = "error";
    }

    /// <summary>Values of <c>reason</c> on <c>mmsgw_dropped_packets_total</c>.</summary>
    public static class DropReasons
    {
        /// <summary>The viewer's queue was full (a slow viewer).</summary>
        public const string SlowViewer = "slow_viewer";
        /// <summary>Dropped by thinning (non-key video, then video) for a slow viewer.</summary>
        public const string Thinning = "thinning";
        /// <summary>The viewer was disconnected with packets still queued.</summary>
        public const string Disconnected = "disconnected";
        /// <summary>A packet that could not be parsed or rewritten.</summary>
        public const string Invalid = "invalid";
    }

    /// <summary>Values of <c>outcome</c> on <c>mmsgw_upstream_lost_packets_total</c> (<see cref="Mms.Client.UpstreamLossCounts"/>).</summary>
    public static class LossOutcomes
    {
        /// <summary>Missing, then received after all (a resend answering a request, or late).</summary>
        public const string Recovered = "recovered";
        /// <summary>Never received: MMSU datagrams or RTP packets given up on.</summary>
        public const string Lost = "lost";
        /// <summary>ASF packets dropped because one of their RTP fragments was lost (docs/protocol/rtsp.md#s4.4).</summary>
        public const string Torn = "torn";
    }
}
