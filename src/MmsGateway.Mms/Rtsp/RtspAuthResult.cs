namespace MmsGateway.Mms.Rtsp;

/// <summary>What <see cref="RtspServerAuthenticator.Verify"/> found.</summary>
public enum RtspAuthResult
{
    /// <summary>Valid credentials: serve the request.</summary>
    Accepted,

    /// <summary>No Authorization: answer 401 with the challenges.</summary>
    Missing,

    /// <summary>Wrong user, password, realm, nonce or a malformed header: answer 401 with the challenges.</summary>
    Rejected,

    /// <summary>Right password on an expired nonce: answer 401 with <c>Challenges(stale: true)</c>.</summary>
    Stale,
}
