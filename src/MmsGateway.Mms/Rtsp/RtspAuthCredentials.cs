using System.Text;

namespace MmsGateway.Mms.Rtsp;

/// <summary>An <c>Authorization</c> value: Basic user and password, or the Digest response fields (RFC 2617 2, 3.2.2).</summary>
public sealed record RtspAuthCredentials
{
    public required string Scheme { get; init; }
    public string? UserName { get; init; }
    public string? Realm { get; init; }
    public string? Nonce { get; init; }
    public string? Uri { get; init; }
    public string? Response { get; init; }
    public string? Cnonce { get; init; }
    public string? NonceCount { get; init; }
    public string? Qop { get; init; }
    public string? Opaque { get; init; }
    public string? Algorithm { get; init; }

    /// <summary>The password of Basic credentials; null for Digest.</summary>
    public string? BasicPassword { get; init; }

    public bool IsDigest => Scheme.Equals("Digest", StringComparison.OrdinalIgnoreCase);
    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    public static RtspAuthCredentials Parse(string authorizationValue) => Parse(authorizationValue, RtspLimits.Default);

    public static RtspAuthCredentials Parse(string authorizationValue, RtspLimits limits)
    {
        ArgumentNullException.ThrowIfNull(authorizationValue);
        ArgumentNullException.ThrowIfNull(limits);
        var items = RtspAuthParameters.Parse(authorizationValue, limits.MaxAuthHeaderBytes);
        if (items.Count != 1) throw new MmsProtocolException("Authorization header does not hold exactly one set of credentials.");
        var item = items[0];
        if (item.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            byte[] decoded = new byte[((item.Token68?.Length ?? 0) * 3 / 4) + 3];
            if (item.Token68 is null || !Convert.TryFromBase64String(item.Token68, decoded, out int written))
            {
                throw new MmsProtocolException("Basic credentials are not valid base64.");
            }

            string pair = Encoding.UTF8.GetString(decoded, 0, written);
            int colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) throw new MmsProtocolException("Basic credentials have no ':' between user and password.");
            return new RtspAuthCredentials { Scheme = item.Scheme, UserName = pair[..colon], BasicPassword = pair[(colon + 1)..] };
        }

        return new RtspAuthCredentials
        {
            Scheme = item.Scheme, UserName = item.Get("username"), Realm = item.Get("realm"), Nonce = item.Get("nonce"),
            Uri = item.Get("uri"), Response = item.Get("response"), Cnonce = item.Get("cnonce"), NonceCount = item.Get("nc"),
            Qop = item.Get("qop"), Opaque = item.Get("opaque"), Algorithm = item.Get("algorithm"),
        };
    }
}
