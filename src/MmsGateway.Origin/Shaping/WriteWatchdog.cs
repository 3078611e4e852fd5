using System.Net.Sockets;

namespace MmsGateway.Origin.Shaping;

/// <summary>
/// Gives a connection's writes a deadline: a client that stops reading leaves a write pending forever, so a
/// watchdog closes the socket once one has been pending longer than the idle timeout (every socket has
/// an idle deadline). Marking a write costs two timestamp stores, nothing per packet is allocated.
/// </summary>
internal sealed class WriteWatchdog(TimeProvider time)
{
    private long _pendingSince;

    public void Begin() => Volatile.Write(ref _pendingSince, time.GetTimestamp());

    public void End() => Volatile.Write(ref _pendingSince, 0);

    /// <summary>Checks every few seconds until <paramref name="ct"/> fires; closes <paramref name="socket"/> on a stuck write.</summary>
    public async Task RunAsync(Socket socket, TimeSpan timeout, CancellationToken ct)
    {
        var period = TimeSpan.FromSeconds(Math.Clamp(timeout.TotalSeconds / 4, 0.25, 5));
        try
        {
            while (true)
            {
                await Task.Delay(period, time, ct).ConfigureAwait(false);
                var since = Volatile.Read(ref _pendingSince);
                if (since != 0 && time.GetElapsedTime(since) > timeout)
                {
                    socket.Close();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
