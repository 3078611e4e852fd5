using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// The server side of RTSP authentication (docs/protocol/rtsp.md#s8): Digest challenges (and Basic, unless turned
/// off) and verification of <c>Authorization</c>. Nonces are stateless: the issue time and its HMAC under a secret,
/// so any connection can verify them and an old nonce with the right password is answered <c>stale</c>
/// (RFC 2617 3.2.1). Digest responses with qop=auth and without qop are both accepted. Nonce counts are not
/// tracked: replay within a nonce's lifetime is possible, which is why the lifetime is short.
/// </summary>
public sealed class RtspServerAuthenticator
{
    private readonly string _realm;
    private readonly Func<string, string?> _passwordOf;
    private readonly TimeProvider _time;
    private readonly byte[] _secret;
    private readonly bool _allowBasic;
    private readonly TimeSpan _lifetime;

    /// <param name="passwordOf">The password of a user name, or null for an unknown user.</param>
    public RtspServerAuthenticator(string realm, Func<string, string?> passwordOf, TimeProvider time, byte[]? secret = null,
        bool allowBasic = true, TimeSpan? nonceLifetime = null)
    {
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(passwordOf);
        ArgumentNullException.ThrowIfNull(time);
        if (realm.Contains('"', StringComparison.Ordinal) || realm.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("The realm may not hold quotes or line breaks.", nameof(realm));
        }

        _realm = realm;
        _passwordOf = passwordOf;
        _time = time;
        _secret = secret ?? RandomNumberGenerator.GetBytes(32);
        _allowBasic = allowBasic;
        _lifetime = nonceLifetime ?? TimeSpan.FromMinutes(5);
    }

    /// <summary>The <c>WWW-Authenticate</c> values of a 401: Digest first (chosen by ffmpeg and live555), then Basic.</summary>
    public IReadOnlyList<string> Challenges(bool stale = false)
    {
        var digest = new RtspAuthChallenge { Scheme = "Digest", Realm = _realm, Nonce = NewNonce(), Qop = ["auth"], Stale = stale };
        return _allowBasic ? [digest.Format(), new RtspAuthChallenge { Scheme = "Basic", Realm = _realm }.Format()] : [digest.Format()];
    }

    public RtspAuthResult Verify(string? authorization, string method, out string? userName)
    {
        ArgumentNullException.ThrowIfNull(method);
        userName = null;
        if (string.IsNullOrWhiteSpace(authorization)) return RtspAuthResult.Missing;
        RtspAuthCredentials credentials;
        try
        {
            credentials = RtspAuthCredentials.Parse(authorization);
        }
        catch (MmsProtocolException)
        {
            return RtspAuthResult.Rejected;
        }

        if (credentials.IsBasic)
        {
            if (!_allowBasic || credentials.UserName is null || _passwordOf(credentials.UserName) is not string expected) return RtspAuthResult.Rejected;
            if (!Same(expected, credentials.BasicPassword ?? string.Empty)) return RtspAuthResult.Rejected;
            userName = credentials.UserName;
            return RtspAuthResult.Accepted;
        }

        if (!credentials.IsDigest || credentials.UserName is null || credentials.Nonce is null || credentials.Uri is null
            || credentials.Response is null || credentials.Realm != _realm)
        {
            return RtspAuthResult.Rejected;
        }

        if (credentials.Algorithm is not null && !credentials.Algorithm.Equals("MD5", StringComparison.OrdinalIgnoreCase)) return RtspAuthResult.Rejected;
        if (!NonceAge(credentials.Nonce, out TimeSpan age)) return RtspAuthResult.Rejected;
        if (_passwordOf(credentials.UserName) is not string password) return RtspAuthResult.Rejected;
        string? qop = credentials.Qop;
        if (qop is not null && (!qop.Equals("auth", StringComparison.OrdinalIgnoreCase) || credentials.NonceCount is null || credentials.Cnonce is null))
        {
            return RtspAuthResult.Rejected;
        }

        string response = RtspDigest.Response(credentials.UserName, _realm, password, method, credentials.Uri, credentials.Nonce,
            qop is null ? null : "auth", credentials.NonceCount, credentials.Cnonce);
        if (!Same(response, credentials.Response.ToLowerInvariant())) return RtspAuthResult.Rejected;
        if (age > _lifetime || age < TimeSpan.Zero) return RtspAuthResult.Stale;
        userName = credentials.UserName;
        return RtspAuthResult.Accepted;
    }

    private string NewNonce()
    {
        Span<byte> nonce = stackalloc byte[8 + 16];
        BinaryPrimitives.WriteInt64BigEndian(nonce, _time.GetUtcNow().ToUnixTimeMilliseconds());
        HMACSHA256.HashData(_secret, nonce[..8])[..16].CopyTo(nonce[8..]);
        return Convert.ToHexStringLower(nonce);
    }

    private bool NonceAge(string nonce, out TimeSpan age)
    {
        age = default;
        if (nonce.Length != 48) return false;
        Span<byte> bytes = stackalloc byte[24];
        if (Convert.FromHexString(nonce, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != 24) return false;
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_secret, bytes[..8], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..16], bytes[8..])) return false;
        long issued = BinaryPrimitives.ReadInt64BigEndian(bytes);
        age = TimeSpan.FromMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds() - (double)issued);
        return true;
    }

    private static bool Same(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
