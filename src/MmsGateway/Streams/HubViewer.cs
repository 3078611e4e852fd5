using System.Threading.Channels;

namespace MmsGateway.Streams;

/// <summary>
/// A viewer attached to a <see cref="StreamHub"/>: its cursor into the hub's packet ring and a wake-up signal.
/// The signal is a one-slot channel, so waking a viewer that is already awake costs nothing and waiting
/// allocates nothing (single reader). A flag in front of the channel keeps the hub's per-packet wake of every
/// viewer to one interlocked read while the viewer has not consumed the previous wake (the channel's write takes
/// a lock): with a thousand viewers that is a hundred thousand wakes a second.
/// </summary>
public sealed class HubViewer
{
    private readonly Channel<byte> _wake = Channel.CreateBounded<byte>(
        new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _closed = new();

    /// <summary>1 from a wake until the viewer's next wait: further wakes need not touch the channel.</summary>
    private int _signalled;

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

    internal void Wake()
    {
        // Every 0 -> 1 transition is followed by a channel write, and the reader clears the flag (in WaitAsync) before
        // it reads the ring, so a wake is never lost (at worst the viewer wakes once more and finds nothing new).
        if (Volatile.Read(ref _signalled) == 0 && Interlocked.Exchange(ref _signalled, 1) == 0) _wake.Writer.TryWrite(0);
    }

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
        if (!_wake.Reader.TryRead(out _))
        {
            await _wake.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
            _wake.Reader.TryRead(out _);
        }
        // Cleared after the wake is consumed and before the caller reads the ring (a full fence): a packet published
        // before this point is seen by that read, one published after it writes the channel again.
        Interlocked.Exchange(ref _signalled, 0);
    }
}
