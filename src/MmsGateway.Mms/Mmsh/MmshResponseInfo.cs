namespace MmsGateway.Mms.Mmsh;

/// <summary>What the server says about a session in its response heads (docs/protocol/servers.md#s3.2.3).</summary>
/// <param name="ClientId">The session id; sent in every response once assigned.</param>
/// <param name="Features">The features list; see <see cref="MmshFeatures"/>.</param>
public sealed record MmshResponseInfo(uint ClientId, IReadOnlyList<string> Features)
{
    /// <summary>
    /// A Cougar below 9.0: calling itself Cougar ≥ 9.0 would oblige the server to send $M to ≥ 9.0 clients (docs/protocol/mmsh.md#s2.3).
    /// </summary>
    public const string DefaultServer = "Cougar/4.1.0.3925";

    public string Server { get; init; } = DefaultServer;

    /// <summary>Idle timeout of the session in ms.</summary>
    public uint Timeout { get; init; } = 60_000;

    /// <summary>Set when the client-id the client sent was unknown and a new session was created (docs/protocol/mmsh.md#s2.7).</summary>
    public bool ResetStream { get; init; }
}
