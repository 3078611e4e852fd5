namespace MmsGateway.Mms.Sessions;

/// <summary>
/// The one reader of a session at a time, and its end (the contract of <see cref="Client.IMmsSession"/>): reads, seeks
/// and re-plays take turns, and once the session is disposed every call fails with
/// <see cref="ObjectDisposedException"/>, before its turn and after it. Entering costs no allocation when nobody holds
/// the turn (once per packet).
/// </summary>
/// <example>
/// <code>
/// await gate.EnterAsync(this, cancellationToken).ConfigureAwait(false);
/// try { gate.ThrowIfClosed(this); ... } finally { gate.Exit(); }
/// </code>
/// </example>
internal sealed class SingleReaderGate
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private int _closed;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Fails with <see cref="ObjectDisposedException"/> when closed.</summary>
    public void ThrowIfClosed(object owner) => ObjectDisposedException.ThrowIf(IsClosed, owner);

    /// <summary>
    /// Waits for the turn; fails at once when closed. The session may have been closed while waiting: check
    /// <see cref="ThrowIfClosed"/> again once in, and <see cref="Exit"/> in a finally.
    /// </summary>
    public Task EnterAsync(object owner, CancellationToken cancellationToken)
    {
        ThrowIfClosed(owner);
        return _turn.WaitAsync(cancellationToken);
    }

    public void Exit() => _turn.Release();

    /// <summary>Closes the gate; true for the one caller that closed it (and so disposes the session).</summary>
    public bool TryClose() => Interlocked.Exchange(ref _closed, 1) == 0;

    /// <summary>
    /// After <see cref="TryClose"/>: waits at most <paramref name="timeout"/> for a running reader to leave (the
    /// session has already aborted what it waits on). True when the turn was taken: <see cref="Exit"/> it after.
    /// </summary>
    public Task<bool> WaitForReaderAsync(TimeSpan timeout) => _turn.WaitAsync(timeout);
}
