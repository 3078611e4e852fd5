using System.Text;

namespace MmsGateway.Observability;

/// <summary>
/// Makes URLs safe to log (no secrets and no full signed URLs in logs): user-info (mms://user:password@host)
/// is removed, the values of signature and credential query parameters are replaced by <see cref="Redacted"/>, and
/// the fragment (where OAuth-style tokens travel) is dropped. Use it for every upstream URL that reaches a log.
/// </summary>
public static class LogRedaction
{
    /// <summary>What a redacted parameter value is replaced with.</summary>
    public const string Redacted = "REDACTED";

    // Query parameters that carry secrets in the URL schemes seen in front of media servers: CDN and cloud
    // signed URLs (sig, signature, token, expires, policy, key-pair-id, hdnts, X-Amz-*, X-Goog-*) and plain
    // credentials. "expires" is not secret by itself but with the signature it identifies a signed URL.
    private static readonly HashSet<string> SensitiveNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "sig", "signature", "token", "expires", "expiry", "key", "apikey", "api_key", "password", "passwd", "pwd",
        "pass", "secret", "auth", "authorization", "access_token", "hdnts", "hmac", "policy", "key-pair-id",
        "credential", "sessionid", "hash", "x-amz-date", "x-goog-date",
    };

    // Name endings that mark a credential whatever the prefix (X-Amz-Signature, X-Amz-Security-Token, auth_token).
    private static readonly string[] SensitiveSuffixes = ["signature", "token", "credential", "secret", "password", "key"];

    /// <summary>The URL without user-info, secret parameter values and fragment; "" for null.</summary>
    public static string Url(string? url)
    {
        if (string.IsNullOrEmpty(url)) return "";
        // Only URLs with an authority are rebuilt through System.Uri; a file path stays as it is.
        if (url.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(url, UriKind.Absolute, out var uri) && !uri.IsFile)
            return Url(uri);
        return RedactText(url);
    }

    /// <summary>The URL without user-info, secret parameter values and fragment; "" for null.</summary>
    public static string Url(Uri? uri)
    {
        if (uri is null) return "";
        if (!uri.IsAbsoluteUri) return RedactText(uri.OriginalString);
        // SchemeAndServer is scheme, host and port: UserInfo is left out.
        var sb = new StringBuilder(uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped));
        var query = uri.GetComponents(UriComponents.Query, UriFormat.UriEscaped);
        if (query.Length > 0) sb.Append('?').Append(RedactQuery(query));
        return sb.ToString();
    }

    /// <summary>Whether a query parameter name carries a secret.</summary>
    public static bool IsSensitiveParameter(string name)
    {
        var decoded = Uri.UnescapeDataString(name.Replace('+', ' ')).Trim();
        if (SensitiveNames.Contains(decoded)) return true;
        foreach (var suffix in SensitiveSuffixes)
        {
            if (decoded.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static string RedactQuery(string query)
    {
        var parts = query.Split('&');
        for (var i = 0; i < parts.Length; i++)
        {
            var eq = parts[i].IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && IsSensitiveParameter(parts[i][..eq])) parts[i] = parts[i][..(eq + 1)] + Redacted;
        }
        return string.Join('&', parts);
    }

    // For what System.Uri does not parse: the same rules applied to the text.
    private static string RedactText(string text)
    {
        var hash = text.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0) text = text[..hash];
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var authorityStart = scheme + 3;
            var authorityEnd = text.IndexOfAny(['/', '?'], authorityStart);
            if (authorityEnd < 0) authorityEnd = text.Length;
            var at = text.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart);
            if (at >= 0) text = text[..authorityStart] + text[(at + 1)..];
        }
        var question = text.IndexOf('?', StringComparison.Ordinal);
        return question < 0 ? text : text[..(question + 1)] + RedactQuery(text[(question + 1)..]);
    }
}
