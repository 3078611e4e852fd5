using System.Text;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// Tokenises HTTP authentication header values (RFC 2617 1.2): <c>scheme</c> then comma-separated
/// <c>name=token</c> or <c>name="quoted"</c> parameters, or a token68 (Basic credentials). Several challenges may
/// share one header value; a new one starts at a token followed by a space rather than by <c>=</c>.
/// </summary>
internal static class RtspAuthParameters
{
    public sealed record Item(string Scheme, string? Token68, IReadOnlyList<KeyValuePair<string, string>> Parameters)
    {
        public string? Get(string name)
        {
            foreach (var (key, value) in Parameters)
            {
                if (key.Equals(name, StringComparison.OrdinalIgnoreCase)) return value;
            }

            return null;
        }
    }

    public static List<Item> Parse(string value, int maxLength)
    {
        if (value.Length > maxLength) throw new MmsProtocolException($"Authentication header of {value.Length} characters exceeds the limit of {maxLength}.");
        var items = new List<Item>();
        int at = 0;
        string? scheme = null;
        string? token68 = null;
        var parameters = new List<KeyValuePair<string, string>>();
        while (true)
        {
            SkipSpaceAndCommas(value, ref at);
            if (at >= value.Length) break;
            string token = ReadToken(value, ref at);
            if (token.Length == 0) throw new MmsProtocolException($"Authentication header \"{RtspSessionHeader.Shorten(value)}\" has a stray character at {at}.");
            SkipSpace(value, ref at);
            if (at < value.Length && value[at] == '=' && scheme is not null)
            {
                // A parameter, unless this '=' is the padding of a token68.
                at++;
                SkipSpace(value, ref at);
                string parameter = at < value.Length && value[at] == '"' ? ReadQuoted(value, ref at) : ReadToken(value, ref at);
                parameters.Add(new(token, parameter));
                if (parameters.Count > 64) throw new MmsProtocolException("Authentication header has too many parameters.");
                continue;
            }

            if (scheme is not null) items.Add(new Item(scheme, token68, parameters));
            if (items.Count > 16) throw new MmsProtocolException("Authentication header has too many challenges.");
            scheme = token;
            token68 = null;
            parameters = [];
            SkipSpace(value, ref at);
            int start = at;
            while (at < value.Length && (char.IsAsciiLetterOrDigit(value[at]) || value[at] is '+' or '/' or '-' or '.' or '_' or '~')) at++;
            int end = at;
            while (at < value.Length && value[at] == '=') at++;
            SkipSpace(value, ref at);
            if (end > start && (at >= value.Length || value[at] == ','))
            {
                // "Basic dXNlcjpwYXNz": a token68, not the start of a parameter.
                token68 = value[start..at].Trim();
            }
            else
            {
                at = start;
            }
        }

        if (scheme is not null) items.Add(new Item(scheme, token68, parameters));
        return items;
    }

    public static string Quote(string text)
    {
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (char c in text)
        {
            if (c is '"' or '\\') quoted.Append('\\');
            quoted.Append(c);
        }

        return quoted.Append('"').ToString();
    }

    private static void SkipSpace(string value, ref int at)
    {
        while (at < value.Length && value[at] is ' ' or '\t') at++;
    }

    private static void SkipSpaceAndCommas(string value, ref int at)
    {
        while (at < value.Length && value[at] is ' ' or '\t' or ',') at++;
    }

    private static string ReadToken(string value, ref int at)
    {
        int start = at;
        while (at < value.Length && value[at] > ' ' && value[at] < 0x7F && !"\"(),/:;<=>?@[\\]{}".Contains(value[at])) at++;
        return value[start..at];
    }

    private static string ReadQuoted(string value, ref int at)
    {
        var text = new StringBuilder();
        at++;
        while (at < value.Length)
        {
            char c = value[at++];
            if (c == '"') return text.ToString();
            if (c == '\\' && at < value.Length) c = value[at++];
            text.Append(c);
        }

        throw new MmsProtocolException($"Authentication header \"{RtspSessionHeader.Shorten(value)}\" has an unterminated quoted string.");
    }
}
