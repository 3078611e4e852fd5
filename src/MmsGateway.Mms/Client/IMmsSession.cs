using MmsGateway.Asf;

namespace MmsGateway.Mms.Client;

/// <summary>
/// A connected upstream MMS session (docs/design.md#upstreamsession): the ASF header, then ASF data packets, with
/// stream selection, thinning and (on-demand content only) seeking. Made by <see cref="MmsConnector"/>.
/// </summary>
/// <remarks>
/// One consumer reads: <see cref="ReadAsync"/> must not be called concurrently with itself. <see
/// cref="SelectStreamsAsync"/> and <see cref="SeekAsync"/> may be called from another task while a read is pending;
/// a seek or an MMSH re-Play waits until that read has returned. Every wait has a deadline
/// (<see cref="MmsClientOptions"/>); failures are <see cref="MmsClientException"/>.
/// </remarks>
public interface IMmsSession : IAsyncDisposable
{
    MmsProtocol Protocol { get; }

    /// <summary>The URL actually connected (after redirects), without user-info.</summary>
    Uri Url { get; }

    /// <summary>The current ASF header (replaced when <see cref="ReadAsync"/> reports a header change).</summary>
    AsfHeader Header { get; }

    /// <summary>The Header Object and the first 50 bytes of the Data Object, as received (docs/protocol/mmst.md#s1.3).</summary>
    ReadOnlyMemory<byte> HeaderBytes { get; }

    /// <summary>Live (broadcast) content: no seeking, no reliable duration or packet count (docs/protocol/mmst.md#s1.6.3).</summary>
    bool IsBroadcast { get; }

    /// <summary>The streams requested from the server at thinning level 0 or 1.</summary>
    AsfStreamSet SelectedStreams { get; }

    /// <summary>
    /// The next unit: a full-size ASF data packet (short packets are re-padded with
    /// <see cref="Asf.Packets.AsfPacketWriter.Repad"/>), a header change, or the end of the stream. Fails with
    /// <see cref="MmsClientErrorKind.TimedOut"/> when nothing arrives within <see cref="MmsClientOptions.ReadTimeout"/>.
    /// </summary>
    ValueTask<MmsReadResult> ReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Chooses the streams and their thinning levels (0 full, 1 key frames only, 2 off); streams not named are
    /// switched off (docs/protocol/selection.md#s5.4). MMST: a StreamSwitch (0x33) on the running session; the server's
    /// ReportStreamSwitch (0x21) is consumed by <see cref="ReadAsync"/>, which fails if it carries an error.
    /// MMSH: a new Play (non-pipelined mode, a new connection) with the new stream-switch entries at the current
    /// position (on-demand: the send time of the last packet read; live: the live point), which replaces the running
    /// Play response once its header has arrived.
    /// </summary>
    ValueTask SelectStreamsAsync(IReadOnlyList<StreamSelection> selection, CancellationToken cancellationToken);

    /// <summary>
    /// Restarts on-demand content at <paramref name="position"/> (content time, without preroll). MMST: StopPlaying,
    /// ReportEndOfStream, StartPlaying with a new play incarnation (docs/protocol/mmst.md#s1.6.2); MMSH: a new Play with
    /// <c>stream-time</c> (docs/protocol/mmsh.md#s2.8). Packets of the old position that were not read yet are dropped.
    /// </summary>
    ValueTask SeekAsync(TimeSpan position, CancellationToken cancellationToken);
}
