using System.IO.Pipelines;
using System.Threading.Tasks.Sources;
using MmsGateway.Asf.Selection;
using MmsGateway.Streams;

namespace MmsGateway.Outputs;

/// <summary>
/// A viewer sent from the ring (<see cref="RingSender"/>) waiting for its clock's tick. On each tick the clock calls
/// <see cref="SendFromTick"/> on its own thread, which sends everything new straight from the ring as the viewer's loop
/// would, without waking that loop: with a few hundred viewers, a thread-pool work item, an async resumption and two
/// waits per viewer per tick were a large part of what the gateway itself spent. Whatever the tick cannot finish at
/// once (the socket's buffer full, a copied rest to flush, a viewer falling behind into thinning, the viewer ending)
/// resumes the loop (<see cref="LiveViewerPump"/>), which picks up the unfinished send. The loop is suspended while
/// parked, so the tick has the viewer's state to itself.
/// </summary>
internal sealed class ParkedSender(HubViewer viewer, RingSender sender, PipeWriter output, ViewerByteCounter bytes, CancellationToken ct)
    : IValueTaskSource, IParkedSender
{
    /// <summary>Most gathered sends one tick makes for a parked viewer before handing it back to its own loop.</summary>
    private const int SendsPerTick = 4;

    private ManualResetValueTaskSourceCore<bool> _resume = new() { RunContinuationsAsynchronously = true };
    private ValueTask<(long Sent, bool Copied)>? _unfinished;

    /// <inheritdoc/>
    public ValueTask Prepare()
    {
        _resume.Reset();
        return new ValueTask(this, _resume.Version);
    }

    /// <summary>
    /// Called by the clock on a tick; false when the loop must take over (then <see cref="Resume"/> follows). Never
    /// throws: a failed send is handed to the loop, which fails with it as if it had sent itself.
    /// </summary>
    public bool SendFromTick()
    {
        if (ct.IsCancellationRequested) return false;
        var ring = viewer.Stream.Ring;
        try
        {
            for (var i = 0; i < SendsPerTick; i++)
            {
                var published = ring.Published;
                if (viewer.Cursor > published) return true;
                if (ViewerThinning.Level(ThinningLevel.Full, published - viewer.Cursor + 1, ring.Capacity) != ThinningLevel.Full) return false;
                var send = sender.SendAsync(viewer, published, output, ct);
                if (!send.IsCompletedSuccessfully)
                {
                    _unfinished = send; // the rest is being sent piece by piece: the loop waits for it
                    return false;
                }
                var result = send.Result;
                if (result is not { Sent: > 0, Copied: false })
                {
                    _unfinished = ValueTask.FromResult(result);
                    return false;
                }
                bytes.Add(result.Sent);
            }
        }
        catch (Exception e)
        {
            _unfinished = ValueTask.FromException<(long, bool)>(e);
        }
        return false;
    }

    public void Resume() => _resume.SetResult(true);

    /// <summary>The send a tick started and could not finish, for the loop to settle.</summary>
    public ValueTask<(long Sent, bool Copied)>? TakeUnfinished()
    {
        var unfinished = _unfinished;
        _unfinished = null;
        return unfinished;
    }

    void IValueTaskSource.GetResult(short token) => _resume.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _resume.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _resume.OnCompleted(continuation, state, token, flags);
}
