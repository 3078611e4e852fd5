using System.Globalization;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// The <c>Session</c> header: <c>id[;timeout=seconds]</c> (RFC 2326 12.37). Formatted with no space before
/// <c>timeout</c>, the only form ffmpeg reads (docs/protocol/rtsp.md#s2.9).
/// </summary>
public readonly record struct RtspSessionHeader(string Id, int? TimeoutSeconds)
{
    /// <summary>Parses a header value; unknown parameters are ignored.</summary>
    public static RtspSessionHeader Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int semi = value.IndexOf(';', StringComparison.Ordinal);
        string id = (semi < 0 ? value : value[..semi]).Trim();
        if (id.Length == 0 || id.Any(c => c <= ' ' || c >= 0x7F))
        {
            throw new MmsProtocolException($"Session header has no valid id: \"{Shorten(value)}\".");
        }

        int? timeout = null;
        if (semi >= 0)
        {
            foreach (string part in value[(semi + 1)..].Split(';'))
            {
                int eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0 || !part[..eq].Trim().Equals("timeout", StringComparison.OrdinalIgnoreCase)) continue;
                if (!int.TryParse(part[(eq + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int seconds))
                {
                    throw new MmsProtocolException($"Session timeout is not a number: \"{Shorten(value)}\".");
                }

                timeout = seconds;
            }
        }

        return new RtspSessionHeader(id, timeout);
    }

    public override string ToString() =>
        TimeoutSeconds is int t ? string.Create(CultureInfo.InvariantCulture, $"{Id};timeout={t}") : Id;

    internal static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
