namespace MmsGateway.Streams;

/// <summary>Operator actions on a hub (<c>/admin/*</c>, Security/AdminEndpoints.cs).</summary>
public sealed partial class StreamHub
{
    /// <summary>Ends every attached viewer (their responses close); returns how many there were.</summary>
    public int DisconnectViewers(string reason)
    {
        HubViewer[] viewers;
        lock (_gate) viewers = [.. _viewers];
        // Outside the lock and over a copy: closing wakes the viewer's request, which detaches it (and takes the lock).
        foreach (var viewer in viewers) viewer.Close(reason);
        return viewers.Length;
    }
}
