using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MmsGateway.Security;

/// <summary>Outcome of checking a viewer URL's signature.</summary>
public enum ViewerTokenStatus
{
    /// <summary>No keys are configured: viewer URLs are open.</summary>
    NotRequired,

    Valid,

    /// <summary>No <c>exp</c>/<c>sig</c> in the query (HTTP 401).</summary>
    Missing,

    /// <summary>Signed, but <c>exp</c> has passed (HTTP 403).</summary>
    Expired,

    /// <summary>A malformed token, a signature over something else, or one made with a key not configured (HTTP 403).</summary>
    Invalid,
}

/// <summary>
/// Signed, expiring viewer URLs: <c>?exp=UNIX-SECONDS&amp;sig=BASE64URL(HMAC-SHA256(key, SCOPE "\n" exp))</c>.
/// Query parameters rather than headers, because neither <c>&lt;video src&gt;</c> nor hls.js's segment loader can
/// send headers. The scope is a path prefix, not the whole path: a token for <c>/streams/demo/</c> opens everything
/// of that stream (player page, <c>live.asf</c>, HLS playlists, parts and segments), so the gateway only has to
/// carry one token into the URLs its playlists list, and a player's relative URLs keep working once they carry it.
/// <c>/play</c> is scoped to its upstream URL (<c>/play?url=…</c>), so a token cannot open another upstream.
/// </summary>
public sealed class ViewerUrlSigner
{
    public const string ExpiresParameter = "exp";
    public const string SignatureParameter = "sig";

    private readonly byte[][] _keys;
    private readonly TimeProvider _time;

    public ViewerUrlSigner(IOptions<SecurityOptions> options, TimeProvider time)
        : this(options.Value.ViewerKeys, time)
    {
    }

    public ViewerUrlSigner(IEnumerable<string> keys, TimeProvider time)
    {
        _keys = keys.Select(k => Encoding.UTF8.GetBytes(k)).ToArray();
        _time = time;
    }

    /// <summary>True when viewer URLs need a signature.</summary>
    public bool Enabled => _keys.Length > 0;

    /// <summary>The scope of a stream: everything below <c>/streams/{name}/</c> (names are case-insensitive).</summary>
    public static string StreamScope(string name) => $"/streams/{name.ToLowerInvariant()}/";

    /// <summary>The scope of an ad-hoc play: the upstream URL exactly as given.</summary>
    public static string PlayScope(string url) => "/play?url=" + url;

    /// <summary>The query (<c>exp=…&amp;sig=…</c>) that opens <paramref name="scope"/> until <paramref name="expires"/>.</summary>
    public string Sign(string scope, DateTimeOffset expires)
    {
        if (!Enabled) throw new InvalidOperationException("No viewer key is configured (Gateway:Security:ViewerKeys).");
        var exp = expires.ToUnixTimeSeconds();
        return string.Create(CultureInfo.InvariantCulture, $"{ExpiresParameter}={exp}&{SignatureParameter}={Mac(_keys[0], scope, exp)}");
    }

    /// <summary>
    /// The scope a request path needs, or null when the path is not a viewer URL: <c>/streams/{name}</c> and below,
    /// and <c>/play</c> (scoped with its <paramref name="playUrl"/>).
    /// </summary>
    public static string? ScopeOf(string path, string? playUrl)
    {
        if (path.Equals("/play", StringComparison.OrdinalIgnoreCase)) return PlayScope(playUrl ?? "");
        const string prefix = "/streams/";
        if (!path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || path.Length == prefix.Length) return null;
        var rest = path.AsSpan(prefix.Length);
        var slash = rest.IndexOf('/');
        var name = slash < 0 ? rest : rest[..slash];
        return name.IsEmpty ? null : StreamScope(name.ToString());
    }

    /// <summary>Checks <paramref name="exp"/> and <paramref name="sig"/> for <paramref name="scope"/> against every key.</summary>
    public ViewerTokenStatus Verify(string scope, string? exp, string? sig)
    {
        if (!Enabled) return ViewerTokenStatus.NotRequired;
        if (string.IsNullOrEmpty(exp) && string.IsNullOrEmpty(sig)) return ViewerTokenStatus.Missing;
        if (!long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || string.IsNullOrEmpty(sig) || sig.Length > 64)
            return ViewerTokenStatus.Invalid;
        Span<byte> given = stackalloc byte[48];
        if (Base64Url.DecodeFromChars(sig, given, out _, out var length) != System.Buffers.OperationStatus.Done || length != 32)
            return ViewerTokenStatus.Invalid;
        Span<byte> expected = stackalloc byte[32];
        var valid = false;
        foreach (var key in _keys)
        {
            Compute(key, scope, expires, expected);
            valid |= CryptographicOperations.FixedTimeEquals(expected, given[..32]);
        }
        if (!valid) return ViewerTokenStatus.Invalid;
        // The signature is checked first, so a forged exp cannot be told apart from a wrong key by its answer.
        return _time.GetUtcNow().ToUnixTimeSeconds() < expires ? ViewerTokenStatus.Valid : ViewerTokenStatus.Expired;
    }

    private static string Mac(byte[] key, string scope, long exp)
    {
        Span<byte> mac = stackalloc byte[32];
        Compute(key, scope, exp, mac);
        return Base64Url.EncodeToString(mac);
    }

    private static void Compute(byte[] key, string scope, long exp, Span<byte> destination)
    {
        var message = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{scope}\n{exp}"));
        HMACSHA256.HashData(key, message, destination);
    }
}
