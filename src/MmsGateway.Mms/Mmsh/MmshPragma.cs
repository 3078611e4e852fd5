namespace MmsGateway.Mms.Mmsh;

/// <summary>One <c>name[=value]</c> token of a Pragma header; a quoted value is stored without its quotes.</summary>
public readonly record struct MmshPragmaToken(string Name, string? Value);

/// <summary>
/// Pragma token parsing (docs/protocol/mmsh.md#s2.4, MS-WMSP 2.2.1.4): every Pragma line is split on commas (outside double
/// quotes, so <c>features="seekable,stridable"</c> stays one token), trimmed, and split on the first '='.
/// <c>stream-switch-entry</c> and <c>log-line</c> own their line and keep its whole remainder as the value, since
/// it holds spaces (and, for log-line, commas).
/// </summary>
public static class MmshPragma
{
    public const string StreamSwitchEntry = "stream-switch-entry";
    public const string LogLine = "log-line";

    public static IReadOnlyList<MmshPragmaToken> Parse(IEnumerable<string> pragmaLines)
    {
        ArgumentNullException.ThrowIfNull(pragmaLines);
        var tokens = new List<MmshPragmaToken>();
        foreach (string line in pragmaLines)
        {
            ParseLine(line, tokens);
        }

        return tokens;
    }

    public static void ParseLine(string line, List<MmshPragmaToken> tokens)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(tokens);
        ReadOnlySpan<char> text = line.AsSpan().Trim();
        foreach (string wholeLine in (ReadOnlySpan<string>)[StreamSwitchEntry, LogLine])
        {
            if (text.StartsWith(wholeLine + "=", StringComparison.OrdinalIgnoreCase))
            {
                tokens.Add(new MmshPragmaToken(wholeLine, text[(wholeLine.Length + 1)..].Trim().ToString()));
                return;
            }
        }

        bool quoted = false;
        int tokenStart = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] == '"')
            {
                quoted = !quoted;
            }
            else if (i == text.Length || (text[i] == ',' && !quoted))
            {
                AddToken(text[tokenStart..i], tokens);
                tokenStart = i + 1;
            }
        }
    }

    private static void AddToken(ReadOnlySpan<char> token, List<MmshPragmaToken> tokens)
    {
        token = token.Trim();
        if (token.IsEmpty)
        {
            return;
        }

        int equals = token.IndexOf('=');
        if (equals < 0)
        {
            tokens.Add(new MmshPragmaToken(token.ToString(), null));
            return;
        }

        ReadOnlySpan<char> value = token[(equals + 1)..].Trim();
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            value = value[1..^1];
        }

        tokens.Add(new MmshPragmaToken(token[..equals].TrimEnd().ToString(), value.ToString()));
    }

    /// <summary>The value of the last token with this name (later lines refine earlier ones), or null.</summary>
    public static string? Find(IReadOnlyList<MmshPragmaToken> tokens, string name)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        for (int i = tokens.Count - 1; i >= 0; i--)
        {
            if (string.Equals(tokens[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return tokens[i].Value ?? string.Empty;
            }
        }

        return null;
    }

    /// <summary>
    /// Leading decimal digits as a u32: <c>stream-time=0Connection: Close</c> (ffmpeg 5.1's missing CRLF,
    /// docs/protocol/mmsh.md#s2.7) reads as 0. Null when there is no digit or the number does not fit.
    /// </summary>
    public static uint? ParseLeadingUInt32(string? value)
    {
        if (value is null)
        {
            return null;
        }

        ulong number = 0;
        int digits = 0;
        foreach (char c in value.AsSpan().TrimStart())
        {
            if (c is < '0' or > '9')
            {
                break;
            }

            number = (number * 10) + (ulong)(c - '0');
            if (number > uint.MaxValue)
            {
                return null;
            }

            digits++;
        }

        return digits == 0 ? null : (uint)number;
    }

    /// <summary><c>hi:lo</c> as two decimal u32 halves of a 64-bit byte offset (docs/protocol/mmsh.md#s2.4).</summary>
    public static ulong? ParseStreamOffset(string? value)
    {
        if (value is null)
        {
            return null;
        }

        int colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }

        uint? high = ParseLeadingUInt32(value[..colon]);
        uint? low = ParseLeadingUInt32(value[(colon + 1)..]);
        return high is null || low is null ? null : ((ulong)high.Value << 32) | low.Value;
    }
}
