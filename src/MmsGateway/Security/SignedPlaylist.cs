using System.Text;

namespace MmsGateway.Security;

/// <summary>
/// Carries a viewer URL's token into every URL an HLS playlist lists (RFC 8216bis §4.1: URI lines, and the
/// <c>URI="…"</c> attribute of EXT-X-MAP, EXT-X-PART, EXT-X-PRELOAD-HINT, EXT-X-RENDITION-REPORT, EXT-X-MEDIA).
/// A player resolves a playlist's relative URLs against the playlist URL without its query, so without this hls.js
/// would ask for segments unsigned; with it, blocking-reload parameters (<c>_HLS_msn</c>) are simply added after.
/// </summary>
public static class SignedPlaylist
{
    private const string UriAttribute = "URI=\"";

    public static string Carry(string playlist, string? token)
    {
        ArgumentNullException.ThrowIfNull(playlist);
        if (string.IsNullOrEmpty(token)) return playlist;
        var output = new StringBuilder(playlist.Length + 256);
        foreach (var line in playlist.Split('\n'))
        {
            if (output.Length > 0) output.Append('\n');
            var trimmed = line.TrimEnd('\r');
            if (trimmed.Length == 0)
            {
                output.Append(line);
            }
            else if (trimmed[0] != '#')
            {
                output.Append(WithToken(trimmed, token));
            }
            else
            {
                var at = trimmed.IndexOf(UriAttribute, StringComparison.Ordinal);
                var end = at < 0 ? -1 : trimmed.IndexOf('"', at + UriAttribute.Length);
                if (end < 0)
                {
                    output.Append(trimmed);
                    continue;
                }
                var start = at + UriAttribute.Length;
                output.Append(trimmed, 0, start).Append(WithToken(trimmed[start..end], token)).Append(trimmed, end, trimmed.Length - end);
            }
        }
        return output.ToString();
    }

    private static string WithToken(string uri, string token) => uri + (uri.Contains('?', StringComparison.Ordinal) ? "&" : "?") + token;
}
