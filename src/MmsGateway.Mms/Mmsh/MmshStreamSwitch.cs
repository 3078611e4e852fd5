using System.Globalization;
using MmsGateway.Mms.Mmst;

namespace MmsGateway.Mms.Mmsh;

/// <summary>
/// <c>stream-switch-entry=src:dst:thin …</c> (docs/protocol/mmsh.md#s2.4, docs/protocol/selection.md#s5.1): a space-separated list of triples whose
/// stream numbers are hex per spec, vlc and mplayer but decimal in ffmpeg, libmms and older vlc (docs/protocol/mmsh.md#s2.8).
/// </summary>
public static class MmshStreamSwitch
{
    /// <summary>
    /// Parses the entries, choosing hex or decimal with the heuristic of docs/protocol/mmsh.md#s2.8: read as hex; if that
    /// names a stream that does not exist while the decimal reading of every entry names only existing streams, use
    /// decimal. The readings agree for stream numbers 1–9. Malformed entries are ignored like unknown tokens.
    /// </summary>
    /// <param name="entryList">The stream-switch-entry value (trailing space and empty value allowed).</param>
    /// <param name="existingStreams">Stream numbers of the content's ASF header.</param>
    public static IReadOnlyList<StreamSwitchEntry> Parse(string? entryList, IReadOnlySet<int> existingStreams)
    {
        ArgumentNullException.ThrowIfNull(existingStreams);
        if (string.IsNullOrWhiteSpace(entryList))
        {
            return [];
        }

        var hex = new List<StreamSwitchEntry>();
        var dec = new List<StreamSwitchEntry>();
        bool hexNamesOnlyExisting = true;
        bool decimalReadsEverything = true;
        foreach (string text in entryList.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            StreamSwitchEntry? asHex = TryParseEntry(text, NumberStyles.AllowHexSpecifier);
            StreamSwitchEntry? asDecimal = TryParseEntry(text, NumberStyles.None);
            if (asHex is StreamSwitchEntry h)
            {
                hex.Add(h);
                hexNamesOnlyExisting &= Names(h, existingStreams);
            }

            if (asDecimal is StreamSwitchEntry d && Names(d, existingStreams))
            {
                dec.Add(d);
            }
            else
            {
                decimalReadsEverything = false;
            }
        }

        return !hexNamesOnlyExisting && decimalReadsEverything ? dec : hex;
    }

    /// <summary>One <c>src:dst:thin</c> triple in the given number style; <c>ffff</c> is "no stream" in both.</summary>
    public static StreamSwitchEntry? TryParseEntry(string text, NumberStyles idStyle)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(':');
        if (parts.Length != 3
            || !TryParseId(parts[0], idStyle, out ushort source)
            || !TryParseId(parts[1], idStyle, out ushort destination)
            || !ushort.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out ushort thinning))
        {
            return null;
        }

        return new StreamSwitchEntry(source, destination, thinning);
    }

    /// <summary>The value clients send: hex ids, entries separated by spaces (trailing space as all open clients).</summary>
    public static string Format(IEnumerable<StreamSwitchEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var text = new System.Text.StringBuilder();
        foreach (StreamSwitchEntry entry in entries)
        {
            text.Append(entry.ToString()).Append(' ');
        }

        return text.ToString();
    }

    private static bool TryParseId(string text, NumberStyles style, out ushort id)
    {
        if (string.Equals(text, "ffff", StringComparison.OrdinalIgnoreCase))
        {
            id = StreamSwitchEntry.NoStream;
            return true;
        }

        return ushort.TryParse(text, style, CultureInfo.InvariantCulture, out id);
    }

    private static bool Names(StreamSwitchEntry entry, IReadOnlySet<int> existingStreams) =>
        (entry.Source == StreamSwitchEntry.NoStream || existingStreams.Contains(entry.Source))
        && (entry.Destination == StreamSwitchEntry.NoStream || existingStreams.Contains(entry.Destination));
}
