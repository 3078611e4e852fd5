namespace MmsGateway.Mms.Client;

public enum MmsConnectOutcome
{
    Connected,
    Failed,

    /// <summary>The server sent the client elsewhere (<see cref="MmsConnectAttempt.RedirectedTo"/>).</summary>
    Redirected,
}

/// <summary>One protocol tried against one endpoint (docs/protocol/rollover.md#s8.3).</summary>
/// <param name="Url">The URL of this attempt (without user-info).</param>
/// <param name="Endpoint"><c>host:port</c> connected to.</param>
/// <param name="Error">Why it failed; null when it connected or was redirected.</param>
public sealed record MmsConnectAttempt(
    MmsProtocol Protocol,
    Uri Url,
    string Endpoint,
    MmsConnectOutcome Outcome,
    TimeSpan Elapsed,
    MmsClientException? Error = null,
    Uri? RedirectedTo = null)
{
    public MmsClientStep? FailedStep => Error?.Step;

    public MmsClientErrorKind? ErrorKind => Error?.Kind;

    public override string ToString() => Outcome switch
    {
        MmsConnectOutcome.Connected => $"{Protocol} {Endpoint}: connected in {Elapsed.TotalMilliseconds:0} ms",
        MmsConnectOutcome.Redirected => $"{Protocol} {Endpoint}: redirected to {RedirectedTo}",
        _ => $"{Protocol} {Endpoint}: {MmsClientException.KindText(Error!.Kind)} at {MmsClientException.StepText(Error.Step)} " +
             $"after {Elapsed.TotalMilliseconds:0} ms ({Error.Detail})",
    };
}

/// <summary>The connected session and every attempt made to get it.</summary>
public sealed class MmsConnectResult
{
    internal MmsConnectResult(IMmsSession session, IReadOnlyList<MmsConnectAttempt> attempts)
    {
        Session = session;
        Attempts = attempts;
    }

    public IMmsSession Session { get; }

    public IReadOnlyList<MmsConnectAttempt> Attempts { get; }
}
