using MmsGateway.Asf.Selection;

namespace MmsGateway.Origin.Mmsh;

/// <summary>A Play response being streamed: its selection (changeable by SelectStream) and a way to stop it.</summary>
internal sealed class MmshPlay(AsfStreamSelection selection, CancellationTokenSource stop)
{
    public AsfStreamSelection Selection { get; } = selection;
    public Lock SelectionLock { get; } = new();
    public CancellationTokenSource Stop { get; } = stop;
}
