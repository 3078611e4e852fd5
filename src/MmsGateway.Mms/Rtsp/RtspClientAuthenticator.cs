using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// The client side of RTSP authentication (docs/protocol/rtsp.md#s8): after a 401, <see cref="OnChallenge"/> picks
/// the Digest challenge over Basic (as ffmpeg and live555 do); then <see cref="Authorize"/> gives the
/// <c>Authorization</c> value for each request (Digest with qop=auth when offered, counting nc; without qop
/// otherwise). A second 401 on the same nonce without <c>stale=true</c> means the credentials are wrong.
/// </summary>
public sealed class RtspClientAuthenticator
{
    private readonly string _userName;
    private readonly string _password;
    private RtspAuthChallenge? _challenge;
    private bool _used;
    private int _nonceCount;

    public RtspClientAuthenticator(string userName, string password)
    {
        ArgumentNullException.ThrowIfNull(userName);
        ArgumentNullException.ThrowIfNull(password);
        _userName = userName;
        _password = password;
    }

    /// <summary>
    /// Takes the challenges of a 401 answer. False when none is usable (no Digest-MD5 or Basic), or when the previous
    /// credentials were refused and this is not a stale-nonce retry: retrying would not help.
    /// </summary>
    public bool OnChallenge(RtspHeaders responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        RtspAuthChallenge? digest = null, basic = null;
        foreach (string value in responseHeaders.GetAll("WWW-Authenticate"))
        {
            IReadOnlyList<RtspAuthChallenge> challenges;
            try
            {
                challenges = RtspAuthChallenge.Parse(value);
            }
            catch (MmsProtocolException)
            {
                continue;
            }

            foreach (var c in challenges)
            {
                bool md5 = c.Algorithm is null || c.Algorithm.Equals("MD5", StringComparison.OrdinalIgnoreCase);
                bool qopUsable = c.Qop.Count == 0 || c.Qop.Contains("auth", StringComparer.OrdinalIgnoreCase);
                if (c.IsDigest && c.Nonce is not null && md5 && qopUsable) digest ??= c;
                else if (c.IsBasic) basic ??= c;
            }
        }

        var chosen = digest ?? basic;
        if (chosen is null) return false;
        if (_challenge is not null && _used && !chosen.Stale) return false;
        _challenge = chosen;
        _used = false;
        _nonceCount = 0;
        return true;
    }

    /// <summary>The <c>Authorization</c> value for a request, or null before any challenge. <paramref name="uri"/> is the request-line URI.</summary>
    public string? Authorize(string method, string uri)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(uri);
        if (_challenge is not { } challenge) return null;
        _used = true;
        if (challenge.IsBasic) return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_userName}:{_password}"));

        string realm = challenge.Realm ?? string.Empty;
        string nonce = challenge.Nonce!;
        bool qop = challenge.Qop.Contains("auth", StringComparer.OrdinalIgnoreCase);
        string? nc = null, cnonce = null;
        if (qop)
        {
            nc = (++_nonceCount).ToString("x8", CultureInfo.InvariantCulture);
            cnonce = RandomNumberGenerator.GetHexString(16, lowercase: true);
        }

        string response = RtspDigest.Response(_userName, realm, _password, method, uri, nonce, qop ? "auth" : null, nc, cnonce);
        var text = new StringBuilder("Digest username=").Append(RtspAuthParameters.Quote(_userName))
            .Append(", realm=").Append(RtspAuthParameters.Quote(realm))
            .Append(", nonce=").Append(RtspAuthParameters.Quote(nonce))
            .Append(", uri=").Append(RtspAuthParameters.Quote(uri))
            .Append(", response=").Append(RtspAuthParameters.Quote(response));
        if (challenge.Algorithm is not null) text.Append(", algorithm=").Append(challenge.Algorithm);
        if (challenge.Opaque is not null) text.Append(", opaque=").Append(RtspAuthParameters.Quote(challenge.Opaque));
        if (qop) text.Append(", qop=auth, nc=").Append(nc).Append(", cnonce=").Append(RtspAuthParameters.Quote(cnonce!));
        return text.ToString();
    }
}
