using System.Globalization;
using System.Text;

namespace MmsGateway.Mms.Playlists;

/// <summary>
/// An NSC station file (docs/protocol/nsc.md#s7.1, [MS-MSB] 2.2): where a multicast publishing point sends its packets and
/// the ASF headers needed to decode them (the multicast stream never carries a header). Values are null when
/// the file does not have them; the spec requires <see cref="IpAddress"/> and <see cref="IpPort"/>, but a file
/// without them is still useful for its <see cref="UnicastUrl"/>. An empty string means "absent" in the spec's
/// words, and is kept as "" so that a file reads back the way it was written.
/// </summary>
public sealed record NscFile
{
    /// <summary>Largest file accepted, in characters: room for several large ASF headers.</summary>
    public const int MaxTextLength = 4 << 20;

    /// <summary>Format IDs are the low 11 bits of the MSB wStreamID (docs/protocol/nsc.md#s7.3).</summary>
    public const int MaxFormatId = 2047;

    internal const string AddressSection = "[Address]";
    internal const string FormatsSection = "[Formats]";

    /// <summary>"&lt;machine name&gt;, &lt;publishing point&gt;".</summary>
    public string? Name { get; init; }

    /// <summary>"3.0" when present.</summary>
    public string? FormatVersion { get; init; }

    /// <summary>The source IP address of the multicast.</summary>
    public string? MulticastAdapter { get; init; }

    /// <summary>The multicast group to join.</summary>
    public string? IpAddress { get; init; }

    public int? IpPort { get; init; }

    public uint? TimeToLive { get; init; }

    /// <summary>Most data packets per error-correction span.</summary>
    public uint? DefaultEcc { get; init; }

    /// <summary>Where to POST the playback log ([MS-WMLOG] 2.3).</summary>
    public string? LogUrl { get; init; }

    /// <summary>The mms:// or http:// URL to fall back to when no multicast arrives.</summary>
    public string? UnicastUrl { get; init; }

    public bool? AllowSplitting { get; init; }

    public bool? AllowCaching { get; init; }

    public uint? CacheExpirationSeconds { get; init; }

    public uint? NetworkBufferMilliseconds { get; init; }

    /// <summary>[Address] properties this type does not know, values as written; written back after the known ones.</summary>
    public IReadOnlyList<NscProperty> OtherProperties { get; init; } = [];

    /// <summary>The ASF headers, ordered by their FormatN number.</summary>
    public IReadOnlyList<NscFormat> Formats { get; init; } = [];

    /// <summary>Reads an NSC file; see <see cref="NscFileParser"/> for what is tolerated.</summary>
    public static NscFile Parse(string text) => NscFileParser.Parse(text);

    /// <summary>Reads an NSC file's bytes (ASCII per the spec; other encodings are detected as for metafiles).</summary>
    public static NscFile Parse(ReadOnlySpan<byte> content) =>
        NscFileParser.Parse(PlaylistText.Decode(content, MaxTextLength, "NSC file"));

    /// <summary>
    /// Writes the file: CRLF line ends, [Address] then [Formats], properties in the spec's order, integers as
    /// <c>0x%08X</c>. With <paramref name="encodeStrings"/> (the default) every string is an encoded block, as
    /// Windows Media Services writes them (the spec's own examples encode "3.0" and the group address); without it
    /// strings are plain when they are printable ASCII, and encoded otherwise.
    /// </summary>
    public string ToText(bool encodeStrings = true)
    {
        var text = new StringBuilder();
        text.Append(AddressSection).Append("\r\n");
        AppendString(text, NscPropertyNames.Name, Name, encodeStrings);
        AppendString(text, NscPropertyNames.FormatVersion, FormatVersion, encodeStrings);
        AppendString(text, NscPropertyNames.MulticastAdapter, MulticastAdapter, encodeStrings);
        AppendString(text, NscPropertyNames.IpAddress, IpAddress, encodeStrings);
        if (IpPort is { } port)
        {
            if (port is < 0 or > ushort.MaxValue)
            {
                throw new InvalidOperationException($"IP Port {port} is not a port number.");
            }

            AppendInteger(text, NscPropertyNames.IpPort, (uint)port);
        }

        AppendInteger(text, NscPropertyNames.TimeToLive, TimeToLive);
        AppendInteger(text, NscPropertyNames.DefaultEcc, DefaultEcc);
        AppendString(text, NscPropertyNames.LogUrl, LogUrl, encodeStrings);
        AppendString(text, NscPropertyNames.UnicastUrl, UnicastUrl, encodeStrings);
        AppendInteger(text, NscPropertyNames.AllowSplitting, AllowSplitting is { } splitting ? (splitting ? 1u : 0u) : null);
        AppendInteger(text, NscPropertyNames.AllowCaching, AllowCaching is { } caching ? (caching ? 1u : 0u) : null);
        AppendInteger(text, NscPropertyNames.CacheExpirationTime, CacheExpirationSeconds);
        AppendInteger(text, NscPropertyNames.NetworkBufferTime, NetworkBufferMilliseconds);
        foreach (NscProperty other in OtherProperties)
        {
            text.Append(other.Name).Append('=').Append(other.Value).Append("\r\n");
        }

        text.Append(FormatsSection).Append("\r\n");
        foreach (NscFormat format in Formats.OrderBy(f => f.Number))
        {
            if (format.FormatId is < 0 or > MaxFormatId)
            {
                throw new InvalidOperationException($"Format{format.Number}: format ID {format.FormatId} is outside 0..{MaxFormatId}.");
            }

            text.Append(NscPropertyNames.Format).Append(format.Number.ToString(CultureInfo.InvariantCulture)).Append('=')
                .Append(NscEncodedBlock.Encode((uint)format.FormatId, format.Header.Span)).Append("\r\n");
            AppendString(text, NscPropertyNames.Description + format.Number.ToString(CultureInfo.InvariantCulture),
                format.Description, encodeStrings);
        }

        return text.ToString();
    }

    private static void AppendString(StringBuilder text, string name, string? value, bool encode)
    {
        if (value is null)
        {
            return;
        }

        text.Append(name).Append('=');
        text.Append(encode || NeedsEncoding(value) ? NscEncodedBlock.EncodeString(value) : value);
        text.Append("\r\n");
    }

    /// <summary>Plain values must survive a read back: printable ASCII, not empty, untrimmed, not looking encoded.</summary>
    private static bool NeedsEncoding(string value) =>
        value.Length == 0
        || value.AsSpan().ContainsAnyExceptInRange(' ', '~')
        || value[0] == ' '
        || value[^1] == ' '
        || NscEncodedBlock.LooksEncoded(value);

    private static void AppendInteger(StringBuilder text, string name, uint? value)
    {
        if (value is { } v)
        {
            text.Append(name).Append("=0x").Append(v.ToString("X8", CultureInfo.InvariantCulture)).Append("\r\n");
        }
    }
}

/// <summary>One FormatN line: the ASF header (Header Object + the 50-byte Data Object header) for a format ID.</summary>
/// <param name="Number">N of FormatN (and of its DescriptionN).</param>
/// <param name="FormatId">The encoded block's Key: matched against the low 11 bits of each MSB packet's wStreamID.</param>
/// <param name="Header">The ASF header bytes, exactly what MMS calls the "ASF header".</param>
public sealed record NscFormat(int Number, int FormatId, ReadOnlyMemory<byte> Header)
{
    public string? Description { get; init; }
}

/// <summary>An [Address] property the model does not know, kept for writing back.</summary>
public sealed record NscProperty(string Name, string Value);

/// <summary>The property names of [MS-MSB] 2.2, as written.</summary>
internal static class NscPropertyNames
{
    public const string Name = "Name";
    public const string FormatVersion = "NSC Format Version";
    public const string MulticastAdapter = "Multicast Adapter";
    public const string IpAddress = "IP Address";
    public const string IpPort = "IP Port";
    public const string TimeToLive = "Time To Live";
    public const string DefaultEcc = "Default Ecc";
    public const string LogUrl = "Log URL";
    public const string UnicastUrl = "Unicast URL";
    public const string AllowSplitting = "Allow Splitting";
    public const string AllowCaching = "Allow Caching";
    public const string CacheExpirationTime = "Cache Expiration Time";
    public const string NetworkBufferTime = "Network Buffer Time";
    public const string Format = "Format";
    public const string Description = "Description";
}
