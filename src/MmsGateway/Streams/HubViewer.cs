using System.Threading.Channels;

namespace MmsGateway.Streams;

/// <summary>
/// A viewer attached to a <see cref="StreamHub"/>: its cursor into the hub's packet ring and a wake-up signal.
/// The signal is a one-slot channel, so waking a viewer that is already awake costs nothing and waiting
/// allocates nothing (single reader).
/// </summary>
public sealed class HubViewer
{
    private readonly Channel<byte> _wake = Channel.CreateBounded<byte>(
        new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _closed = new();

    internal HubViewer(string output, long cursor, HubStream stream)
    {
        Output = output;
        Cursor = cursor;
        Stream = stream;
    }

    /// <summary><c>asf</c>, <c>wmsp</c> or <c>hls</c> (the metrics label).</summary>
    public string Output { get; }

    /// <summary>Next sequence to send.</summary>
    public long Cursor { get; set; }

    /// <summary>The hub stream (header and ring) this viewer started on.</summary>
    public HubStream Stream { get; }

    /// <summary>Cancelled when the hub ends this viewer: too slow, stream layout changed, hub stopping.</summary>
    public CancellationToken Closed => _closed.Token;

    public string? CloseReason { get; private set; }

    internal void Wake() => _wake.Writer.TryWrite(0);

    internal void Close(string reason)
    {
        CloseReason ??= reason;
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Waits until the hub has published something new. Allocation-free: the one-slot channel's single reader
    /// reuses its wait operation, so an idle viewer costs nothing per packet.
    /// </summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (_wake.Reader.TryRead(out _)) return;
        await _wake.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
        _wake.Reader.TryRead(out _);
    }
}
