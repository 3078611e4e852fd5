using Microsoft.Extensions.Logging;
using MmsGateway.Asf;
using MmsGateway.Mms.Client;

namespace MmsGateway.Cli.Probe;

/// <summary>
/// Describes a stream at a URL: connects with rollover and playlists (<see cref="MmsConnector"/>), reads its packets
/// for a few seconds to measure the bitrates its header does not declare, and reports every connect attempt.
/// </summary>
public static class StreamProber
{
    /// <summary>Content time read to measure bitrates (send times), and the wall-clock cap on that reading.</summary>
    public static readonly TimeSpan MeasureSpan = TimeSpan.FromSeconds(3);

    private const int MaxPackets = 20_000;

    /// <summary>Throws <see cref="MmsClientException"/> (with every attempt) when nothing connects.</summary>
    public static async Task<ProbeReport> ProbeAsync(Uri url, MmsClientOptions options, ILogger? logger,
        CancellationToken cancellationToken)
    {
        MmsConnectResult result = await MmsConnector.ConnectAsync(url, options, logger, cancellationToken).ConfigureAwait(false);
        await using IMmsSession session = result.Session;
        AsfHeader header = session.Header;
        var stats = new AsfStreamStatistics(header.PacketSize);
        TimeProvider time = options.TimeProvider;
        long started = time.GetTimestamp();
        uint? first = null;
        try
        {
            while (stats.Packets < MaxPackets && time.GetElapsedTime(started) < MeasureSpan + TimeSpan.FromSeconds(1))
            {
                MmsReadResult read = await session.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (read.Kind != MmsReadResultKind.Packet) break;
                stats.Add(read.Packet.Span);
                uint sendTime = Asf.Packets.AsfPacketParser.ParseHeader(read.Packet.Span, header.PacketSize).SendTime;
                first ??= sendTime;
                if (sendTime - first.Value >= MeasureSpan.TotalMilliseconds) break;
            }
        }
        catch (MmsClientException) when (stats.Packets > 0)
        {
            // Measured what came; the header says the rest.
        }

        ulong packets = session.IsBroadcast ? 0 : header.FileProperties.DataPacketsCount;
        ProbeReport report = FileProber.Describe(header, MmsUrlText(url), ProtocolName(session.Protocol),
            (long)Math.Min(packets, long.MaxValue), truncated: false, indexEntries: 0, stats, stats.SpanMs);
        return report with
        {
            Broadcast = session.IsBroadcast,
            DurationSeconds = session.IsBroadcast ? null : report.DurationSeconds,
            Url = session.Url.ToString(),
            Attempts = Attempts(result.Attempts),
        };
    }

    public static IReadOnlyList<ProbeAttempt> Attempts(IEnumerable<MmsConnectAttempt> attempts) => attempts.Select(a => new ProbeAttempt
    {
        Protocol = ProtocolName(a.Protocol),
        Url = a.Url.ToString(),
        Endpoint = a.Endpoint,
        Outcome = a.Outcome.ToString().ToLowerInvariant(),
        ElapsedMs = (long)a.Elapsed.TotalMilliseconds,
        Step = a.Error is { } e ? MmsClientException.StepText(e.Step) : null,
        Cause = a.Error is { } c ? MmsClientException.KindText(c.Kind) : null,
        Detail = a.Error?.Detail,
        RedirectedTo = a.RedirectedTo?.ToString(),
    }).ToList();

    public static string ProtocolName(MmsProtocol protocol) => protocol.ToString().ToLowerInvariant();

    private static string MmsUrlText(Uri url)
    {
        if (string.IsNullOrEmpty(url.UserInfo)) return url.ToString();
        return new UriBuilder(url) { UserName = string.Empty, Password = string.Empty }.Uri.ToString();
    }
}
