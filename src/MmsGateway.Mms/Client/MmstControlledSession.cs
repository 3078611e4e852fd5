using MmsGateway.Asf;
using MmsGateway.Mms.Mmst;
using MmsGateway.Mms.Sessions;
using Microsoft.Extensions.Logging;

namespace MmsGateway.Mms.Client;

/// <summary>
/// What a session driven by an MMST control connection (<see cref="MmstControlChannel"/>, docs/protocol/mmst.md#s1) is
/// whichever way its data comes: the session's face read off the channel (URL, header, broadcast, selection), the
/// StreamSwitch of a selection change (docs/protocol/selection.md#s5.4), the checks every seek makes first (on-demand
/// only, docs/protocol/mmst.md#s1.6.3) and the close: abort, wait for the reader, CloseFile (docs/protocol/mmst.md#s1.5.10).
/// The read loop, the seek itself and the data path are the subclass's: the data on the control connection
/// (<see cref="MmstSession"/>) or over UDP (<see cref="MmsuSession"/>, docs/protocol/mmsu.md#s1.8).
/// </summary>
internal abstract partial class MmstControlledSession : IMmsSession
{
    private protected MmstControlledSession(MmstControlChannel control, MmsClientOptions options, ILogger logger)
    {
        Control = control;
        Options = options;
        Time = options.TimeProvider;
        Logger = logger;
    }

    public abstract MmsProtocol Protocol { get; }

    public Uri Url => Control.Url;

    public AsfHeader Header => Control.Header.Header;

    public ReadOnlyMemory<byte> HeaderBytes => Control.Header.Bytes;

    public bool IsBroadcast => Control.IsBroadcast;

    public AsfStreamSet SelectedStreams => Control.Selected;

    /// <summary>
    /// Data packets dropped: over TCP, those of an earlier play incarnation (docs/protocol/mmst.md#s1.6.5); over UDP,
    /// any that came on the control connection (not ours).
    /// </summary>
    public long StalePackets => Control.StalePackets;

    private protected MmstControlChannel Control { get; }

    private protected MmsClientOptions Options { get; }

    private protected ILogger Logger { get; }

    private protected TimeProvider Time { get; }

    private protected SingleReaderGate Gate { get; } = new();

    private protected string Endpoint => Control.Endpoint;

    public abstract ValueTask<MmsReadResult> ReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Checks the seek (<see cref="CheckSeek"/>), then restarts the play at <paramref name="position"/> in the reader's
    /// turn (<see cref="SeekInTurnAsync"/>): StopPlaying, its ReportEndOfStream, StartPlaying with a new play
    /// incarnation (docs/protocol/mmst.md#s1.6.2).
    /// </summary>
    public async ValueTask SeekAsync(TimeSpan position, CancellationToken cancellationToken)
    {
        CheckSeek(position);

        await Gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
        try
        {
            Gate.ThrowIfClosed(this);
            await SeekInTurnAsync(position, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Gate.Exit();
        }
    }

    /// <summary>
    /// Sends a StreamSwitch (0x33) listing every stream (docs/protocol/selection.md#s5.4). Its ReportStreamSwitch (0x21) is
    /// checked by whoever reads the control connection (the read loop over TCP, the control loop over UDP); selection
    /// changes apply to packets the server sends after it (docs/protocol/selection.md#s5.2.3).
    /// </summary>
    public async ValueTask SelectStreamsAsync(IReadOnlyList<StreamSelection> selection,
        CancellationToken cancellationToken)
    {
        Gate.ThrowIfClosed(this);
        await Control.SendSelectionAsync(selection, MmsClientStep.StreamSelection, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Gate.TryClose()) return;
        Control.Connection.Abort();
        await StopDataAsync().ConfigureAwait(false);
        bool locked = await Gate.WaitForReaderAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        try
        {
            await Control.SendCloseFileAsync().ConfigureAwait(false);
        }
        finally
        {
            if (locked) Gate.Exit();
            await Control.DisposeAsync().ConfigureAwait(false);
            await DisposeDataAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Opens the control connection to <paramref name="host"/>:<paramref name="port"/> for a session whose data comes
    /// over <paramref name="transport"/>; the caller disposes it when its handshake fails.
    /// </summary>
    private protected static async Task<MmstControlChannel> OpenControlAsync(Uri url, string host, int port,
        MmstFunnelTransport transport, MmsClientOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        MmsConnection connection = await MmsConnection.ConnectAsync(url, host, port, options.ConnectTimeout,
            options.TimeProvider, cancellationToken).ConfigureAwait(false);
        return new MmstControlChannel(url, connection, transport, options, logger);
    }

    /// <summary>What every seek checks before it waits for its turn: the session is open, the position is not negative, the content is on demand.</summary>
    private protected void CheckSeek(TimeSpan position)
    {
        Gate.ThrowIfClosed(this);
        ArgumentOutOfRangeException.ThrowIfLessThan(position, TimeSpan.Zero);
        if (IsBroadcast)
        {
            throw new MmsClientException(MmsClientErrorKind.NotSupported, MmsClientStep.Seek, Url,
                "live content cannot be seeked");
        }
    }

    /// <summary>The seek itself, in the reader's turn of an open session, on-demand content and a valid position.</summary>
    private protected abstract ValueTask SeekInTurnAsync(TimeSpan position, CancellationToken cancellationToken);

    /// <summary>After the control connection was aborted and before waiting for the reader: stop what feeds the data path.</summary>
    private protected virtual ValueTask StopDataAsync() => ValueTask.CompletedTask;

    /// <summary>Last, after the control channel: release the data path.</summary>
    private protected virtual ValueTask DisposeDataAsync() => ValueTask.CompletedTask;

    private protected void LogSeek(TimeSpan position, uint incarnation) => LogSeek(Logger, Url, position.TotalSeconds, incarnation);
}
