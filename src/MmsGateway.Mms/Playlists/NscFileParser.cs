using System.Globalization;

namespace MmsGateway.Mms.Playlists;

/// <summary>
/// Reads NSC files (docs/protocol/nsc.md#s7.1). Tolerated: CRLF, LF or CR line ends; property names in any letter case
/// and with spaces around '='; unknown properties (kept) and unknown sections (skipped); integers as
/// <c>0x</c> + 1..8 hex digits or as plain decimal; strings plain or encoded. When a name repeats, the first
/// line wins. Errors (<see cref="PlaylistFormatException"/>, with the line): no <c>[Address]</c> first, an
/// integer that is not one, a port above 65535, an encoded block that does not decode (docs/protocol/nsc.md#s7.2), a format ID
/// above 2047, too many formats.
/// </summary>
public static class NscFileParser
{
    /// <summary>One per possible format ID.</summary>
    public const int MaxFormats = NscFile.MaxFormatId + 1;

    public static NscFile Parse(string text)
    {
        PlaylistText.CheckLength(text, NscFile.MaxTextLength, "NSC file");
        var address = new Dictionary<string, (string Value, int Line)>(StringComparer.OrdinalIgnoreCase);
        var addressOrder = new List<string>();
        var formats = new SortedDictionary<int, NscFormat>();
        var descriptions = new Dictionary<int, string>();
        Section section = Section.None;
        foreach ((int lineNumber, string rawLine) in PlaylistText.Lines(text))
        {
            string line = (section == Section.None ? PlaylistText.TrimStartOfDocument(rawLine) : rawLine.AsSpan()).Trim().ToString();
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] == '[')
            {
                Section next = SectionOf(line);
                if (section == Section.None && next != Section.Address)
                {
                    break;
                }

                section = next;
                continue;
            }

            if (section == Section.None)
            {
                break;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            string name = line[..equals].Trim();
            string value = line[(equals + 1)..].Trim();
            if (section == Section.Address)
            {
                if (address.TryAdd(name, (value, lineNumber)))
                {
                    addressOrder.Add(name);
                }
            }
            else if (section == Section.Formats)
            {
                ReadFormatsLine(name, value, lineNumber, formats, descriptions);
            }
        }

        if (section == Section.None)
        {
            throw new PlaylistFormatException("Not an NSC file: the first line is not [Address].");
        }

        return BuildFile(address, addressOrder, formats, descriptions);
    }

    private enum Section
    {
        None,
        Address,
        Formats,
        Other,
    }

    private static Section SectionOf(string line) =>
        line.Equals(NscFile.AddressSection, StringComparison.OrdinalIgnoreCase) ? Section.Address
        : line.Equals(NscFile.FormatsSection, StringComparison.OrdinalIgnoreCase) ? Section.Formats
        : Section.Other;

    private static void ReadFormatsLine(
        string name, string value, int line, SortedDictionary<int, NscFormat> formats, Dictionary<int, string> descriptions)
    {
        if (TryNumbered(name, NscPropertyNames.Format, out int number))
        {
            if (formats.ContainsKey(number))
            {
                return;
            }

            if (formats.Count >= MaxFormats)
            {
                throw new PlaylistFormatException($"NSC line {line}: more than {MaxFormats} formats.");
            }

            (uint key, byte[] header) = Decode(value, line, name, v => NscEncodedBlock.Decode(v));
            if (key > NscFile.MaxFormatId)
            {
                throw new PlaylistFormatException($"NSC line {line}: {name} has format ID {key}, above {NscFile.MaxFormatId}.");
            }

            formats.Add(number, new NscFormat(number, (int)key, header));
        }
        else if (TryNumbered(name, NscPropertyNames.Description, out number) && descriptions.Count < MaxFormats)
        {
            descriptions.TryAdd(number, ReadString(value, line, name));
        }
    }

    private static NscFile BuildFile(
        Dictionary<string, (string Value, int Line)> address,
        List<string> addressOrder,
        SortedDictionary<int, NscFormat> formats,
        Dictionary<int, string> descriptions)
    {
        string? Text(string name) => address.TryGetValue(name, out var p) ? ReadString(p.Value, p.Line, name) : null;
        uint? Integer(string name) => address.TryGetValue(name, out var p) ? ReadInteger(p.Value, p.Line, name) : null;
        bool? Flag(string name) => Integer(name) is { } v ? v != 0 : null;

        uint? port = Integer(NscPropertyNames.IpPort);
        if (port > ushort.MaxValue)
        {
            throw new PlaylistFormatException(
                $"NSC line {address[NscPropertyNames.IpPort].Line}: IP Port {port} is not a port number.");
        }

        return new NscFile
        {
            Name = Text(NscPropertyNames.Name),
            FormatVersion = Text(NscPropertyNames.FormatVersion),
            MulticastAdapter = Text(NscPropertyNames.MulticastAdapter),
            IpAddress = Text(NscPropertyNames.IpAddress),
            IpPort = (int?)port,
            TimeToLive = Integer(NscPropertyNames.TimeToLive),
            DefaultEcc = Integer(NscPropertyNames.DefaultEcc),
            LogUrl = Text(NscPropertyNames.LogUrl),
            UnicastUrl = Text(NscPropertyNames.UnicastUrl),
            AllowSplitting = Flag(NscPropertyNames.AllowSplitting),
            AllowCaching = Flag(NscPropertyNames.AllowCaching),
            CacheExpirationSeconds = Integer(NscPropertyNames.CacheExpirationTime),
            NetworkBufferMilliseconds = Integer(NscPropertyNames.NetworkBufferTime),
            OtherProperties = [.. addressOrder.Where(n => !KnownAddressNames.Contains(n))
                .Select(n => new NscProperty(n, address[n].Value))],
            Formats = [.. formats.Values.Select(f =>
                descriptions.TryGetValue(f.Number, out string? d) ? f with { Description = d } : f)],
        };
    }

    private static readonly HashSet<string> KnownAddressNames = new(StringComparer.OrdinalIgnoreCase)
    {
        NscPropertyNames.Name, NscPropertyNames.FormatVersion, NscPropertyNames.MulticastAdapter,
        NscPropertyNames.IpAddress, NscPropertyNames.IpPort, NscPropertyNames.TimeToLive, NscPropertyNames.DefaultEcc,
        NscPropertyNames.LogUrl, NscPropertyNames.UnicastUrl, NscPropertyNames.AllowSplitting,
        NscPropertyNames.AllowCaching, NscPropertyNames.CacheExpirationTime, NscPropertyNames.NetworkBufferTime,
    };

    /// <summary>"Format12" → 12 (names in any case; the number is decimal without sign).</summary>
    private static bool TryNumbered(string name, string stem, out int number)
    {
        number = 0;
        return name.Length > stem.Length
            && name.StartsWith(stem, StringComparison.OrdinalIgnoreCase)
            && !name.AsSpan(stem.Length).ContainsAnyExceptInRange('0', '9')
            && int.TryParse(name.AsSpan(stem.Length), NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    private static string ReadString(string value, int line, string name) =>
        NscEncodedBlock.LooksEncoded(value) ? Decode(value, line, name, v => NscEncodedBlock.DecodeString(v)) : value;

    private static uint ReadInteger(string value, int line, string name)
    {
        ReadOnlySpan<char> text = value;
        uint result = 0;
        bool parsed = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? text.Length is > 2 and <= 10
                && uint.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out result)
            : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out result);
        if (!parsed)
        {
            throw new PlaylistFormatException(
                $"NSC line {line}: {name}=\"{PlaylistText.Excerpt(value)}\" is not an integer (0x%08X).");
        }

        return result;
    }

    private static T Decode<T>(string value, int line, string name, Func<string, T> decode)
    {
        try
        {
            return decode(value);
        }
        catch (PlaylistFormatException e)
        {
            throw new PlaylistFormatException($"NSC line {line}: {name}: {e.Message}", e);
        }
    }
}
