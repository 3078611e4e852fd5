using System.Text;

namespace MmsGateway.Mms.Rtsp;

/// <summary>One <c>WWW-Authenticate</c> challenge (RFC 2617 1.2, 3.2.1; docs/protocol/rtsp.md#s8).</summary>
public sealed record RtspAuthChallenge
{
    public required string Scheme { get; init; }
    public string? Realm { get; init; }
    public string? Nonce { get; init; }
    public string? Opaque { get; init; }
    public string? Algorithm { get; init; }

    /// <summary>The <c>qop</c> options offered (e.g. <c>auth</c>); empty when the challenge has none (RFC 2069 style).</summary>
    public IReadOnlyList<string> Qop { get; init; } = [];

    public bool Stale { get; init; }

    public bool IsDigest => Scheme.Equals("Digest", StringComparison.OrdinalIgnoreCase);
    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    /// <summary>Every challenge of one header value (a value may hold several).</summary>
    public static IReadOnlyList<RtspAuthChallenge> Parse(string headerValue) => Parse(headerValue, RtspLimits.Default);

    public static IReadOnlyList<RtspAuthChallenge> Parse(string headerValue, RtspLimits limits)
    {
        ArgumentNullException.ThrowIfNull(headerValue);
        ArgumentNullException.ThrowIfNull(limits);
        var challenges = new List<RtspAuthChallenge>();
        foreach (var item in RtspAuthParameters.Parse(headerValue, limits.MaxAuthHeaderBytes))
        {
            challenges.Add(new RtspAuthChallenge
            {
                Scheme = item.Scheme, Realm = item.Get("realm"), Nonce = item.Get("nonce"), Opaque = item.Get("opaque"),
                Algorithm = item.Get("algorithm"),
                Qop = item.Get("qop") is string qop ? qop.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [],
                Stale = string.Equals(item.Get("stale"), "true", StringComparison.OrdinalIgnoreCase),
            });
        }

        return challenges;
    }

    /// <summary>The header value, e.g. <c>Digest realm="MmsGateway", nonce="…", qop="auth"</c>.</summary>
    public string Format()
    {
        var text = new StringBuilder(Scheme);
        string separator = " ";
        void Add(string name, string value, bool quote = true)
        {
            text.Append(separator).Append(name).Append('=').Append(quote ? RtspAuthParameters.Quote(value) : value);
            separator = ", ";
        }

        if (Realm is not null) Add("realm", Realm);
        if (Nonce is not null) Add("nonce", Nonce);
        if (Opaque is not null) Add("opaque", Opaque);
        if (Algorithm is not null) Add("algorithm", Algorithm, quote: false);
        if (Qop.Count > 0) Add("qop", string.Join(',', Qop));
        if (Stale) Add("stale", "true", quote: false);
        return text.ToString();
    }
}
