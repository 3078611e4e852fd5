namespace MmsGateway.Streams;

/// <summary>Operator actions on a hub (<c>/admin/*</c>, Security/AdminEndpoints.cs).</summary>
public sealed partial class StreamHub
{
    /// <summary>Ends every attached viewer (their responses close); returns how many there were.</summary>
    public int DisconnectViewers(string reason)
    {
        lock (_gate)
        {
            foreach (var viewer in _viewers) viewer.Close(reason);
            return _viewers.Count;
        }
    }
}
