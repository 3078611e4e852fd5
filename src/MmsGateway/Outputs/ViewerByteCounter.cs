using MmsGateway.Observability;

namespace MmsGateway.Outputs;

/// <summary>
/// Bytes a live viewer was sent, added to <c>mmsgw_viewer_bytes</c> at most once a second and when it ends. A
/// measurement with tags costs a series lookup (hashing the tags) in every listener, which at a send per viewer per
/// flush was a few per cent of the fan-out's CPU.
/// </summary>
internal sealed class ViewerByteCounter(GatewayMetrics metrics, string stream, string output)
{
    private const int ReportIntervalMs = 1000;

    private long _unreported;
    private long _reportedAt = Environment.TickCount64;

    public void Add(long bytes)
    {
        _unreported += bytes;
        var now = Environment.TickCount64;
        if (now - _reportedAt < ReportIntervalMs) return;
        _reportedAt = now;
        Report();
    }

    /// <summary>Adds what is not reported yet (the viewer ends).</summary>
    public void Report()
    {
        if (_unreported == 0) return;
        metrics.ViewerBytes(stream, output, _unreported);
        _unreported = 0;
    }
}
