using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace MmsGateway.Asf.Objects;

public enum CodecKind
{
    Unknown,
    Video,
    Audio,
}

/// <summary>A Codec List entry (docs/protocol/asf.md#s4.7).</summary>
public sealed record CodecEntry(CodecKind Kind, string Name, string Description, ReadOnlyMemory<byte> Information);

/// <summary>Content Description (docs/protocol/asf.md#s4.7): the five classic strings.</summary>
public sealed record ContentDescription(string Title, string Author, string Copyright, string Description, string Rating);

/// <summary>An Extended Content Description attribute, with its value rendered as text (docs/protocol/asf.md#s4.7).</summary>
public sealed record ContentDescriptor(string Name, ushort ValueType, string Value);

/// <summary>A Script Command (docs/protocol/asf.md#s4.7): WMS uses these for URL flips and caption text.</summary>
public sealed record ScriptCommand(uint PresentationTimeMs, string Type, string Command);

/// <summary>A Marker (navigation point) from the Marker object.</summary>
public sealed record AsfMarker(ulong Offset, ulong PresentationTime, uint SendTimeMs, string Description);

/// <summary>Which kinds of DRM or signing a header declares; any of them means the payloads are not decodable as-is.</summary>
[Flags]
public enum AsfProtection
{
    None = 0,
    ContentEncryption = 1,
    ExtendedContentEncryption = 2,
    AdvancedContentEncryption = 4,
    DigitalSignature = 8,
    EncryptedStream = 16,
}

/// <summary>What the Content Encryption object says about DRM v1 protection (docs/protocol/asf.md#s4.2).</summary>
public sealed record ContentEncryptionInfo(string ProtectionType, string KeyId, string LicenseUrl);

internal static class DescriptionReaders
{
    public static List<CodecEntry> ReadCodecList(ReadOnlySpan<byte> obj, long offset)
    {
        var r = new AsfSpanReader(obj, offset, "Codec List");
        r.Skip(24 + 16, "object header and reserved GUID");
        var count = r.ReadUInt32("Codec Entries Count");
        var entries = new List<CodecEntry>((int)Math.Min(count, 64));
        for (var i = 0u; i < count; i++)
        {
            var type = r.ReadUInt16("Type");
            var name = r.ReadUtf16(r.ReadUInt16("Codec Name Length") * 2, "Codec Name");
            var description = r.ReadUtf16(r.ReadUInt16("Codec Description Length") * 2, "Codec Description");
            var info = r.ReadBytes(r.ReadUInt16("Codec Information Length"), "Codec Information").ToArray();
            var kind = type switch { 1 => CodecKind.Video, 2 => CodecKind.Audio, _ => CodecKind.Unknown };
            entries.Add(new CodecEntry(kind, name, description, info));
        }
        return entries;
    }

    public static ContentDescription ReadContentDescription(ReadOnlySpan<byte> obj, long offset)
    {
        var r = new AsfSpanReader(obj, offset, "Content Description");
        r.Skip(24, "object header");
        Span<int> lengths = stackalloc int[5];
        for (var i = 0; i < 5; i++) lengths[i] = r.ReadUInt16("string length");
        return new ContentDescription(
            r.ReadUtf16(lengths[0], "Title"), r.ReadUtf16(lengths[1], "Author"), r.ReadUtf16(lengths[2], "Copyright"),
            r.ReadUtf16(lengths[3], "Description"), r.ReadUtf16(lengths[4], "Rating"));
    }

    public static List<ContentDescriptor> ReadExtendedContent(ReadOnlySpan<byte> obj, long offset)
    {
        var r = new AsfSpanReader(obj, offset, "Extended Content Description");
        r.Skip(24, "object header");
        var count = r.ReadUInt16("Content Descriptors Count");
        var list = new List<ContentDescriptor>(Math.Min((int)count, 256));
        for (var i = 0; i < count; i++)
        {
            var name = r.ReadUtf16(r.ReadUInt16("Descriptor Name Length"), "Descriptor Name");
            var type = r.ReadUInt16("Descriptor Value Data Type");
            var value = r.ReadBytes(r.ReadUInt16("Descriptor Value Length"), "Descriptor Value");
            list.Add(new ContentDescriptor(name, type, RenderValue(type, value)));
        }
        return list;
    }

    /// <summary>Renders an attribute value (types 0 string, 1 bytes, 2 BOOL, 3 DWORD, 4 QWORD, 5 WORD, 6 GUID).</summary>
    public static string RenderValue(ushort type, ReadOnlySpan<byte> value) => type switch
    {
        0 => AsfSpanReader.DecodeUtf16(value),
        2 when value.Length >= 2 => (value.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(value) : BinaryPrimitives.ReadUInt16LittleEndian(value)) != 0 ? "true" : "false",
        3 when value.Length >= 4 => BinaryPrimitives.ReadUInt32LittleEndian(value).ToString(CultureInfo.InvariantCulture),
        4 when value.Length >= 8 => BinaryPrimitives.ReadUInt64LittleEndian(value).ToString(CultureInfo.InvariantCulture),
        5 when value.Length >= 2 => BinaryPrimitives.ReadUInt16LittleEndian(value).ToString(CultureInfo.InvariantCulture),
        6 when value.Length >= 16 => new Guid(value[..16]).ToString("D"),
        _ => $"({value.Length} bytes)",
    };

    public static (List<ScriptCommand> Commands, List<string> Types) ReadScriptCommands(ReadOnlySpan<byte> obj, long offset)
    {
        var r = new AsfSpanReader(obj, offset, "Script Command");
        r.Skip(24 + 16, "object header and reserved GUID");
        var commandCount = r.ReadUInt16("Commands Count");
        var typeCount = r.ReadUInt16("Command Types Count");
        var types = new List<string>(Math.Min((int)typeCount, 64));
        for (var i = 0; i < typeCount; i++)
            types.Add(r.ReadUtf16(r.ReadUInt16("Command Type Name Length") * 2, "Command Type Name"));
        var commands = new List<ScriptCommand>(Math.Min((int)commandCount, 1024));
        for (var i = 0; i < commandCount; i++)
        {
            var time = r.ReadUInt32("Presentation Time");
            var typeIndex = r.ReadUInt16("Type Index");
            var name = r.ReadUtf16(r.ReadUInt16("Command Name Length") * 2, "Command Name");
            var type = typeIndex < types.Count ? types[typeIndex] : $"#{typeIndex}";
            commands.Add(new ScriptCommand(time, type, name));
        }
        return (commands, types);
    }

    public static List<AsfMarker> ReadMarkers(ReadOnlySpan<byte> obj, long offset)
    {
        var r = new AsfSpanReader(obj, offset, "Marker");
        r.Skip(24 + 16, "object header and reserved GUID");
        var count = r.ReadUInt32("Markers Count");
        r.Skip(2, "Reserved");
        r.Skip(r.ReadUInt16("Name Length"), "Name");
        var markers = new List<AsfMarker>((int)Math.Min(count, 1024));
        for (var i = 0u; i < count; i++)
        {
            var markerOffset = r.ReadUInt64("Offset");
            var time = r.ReadUInt64("Presentation Time");
            r.Skip(2, "Entry Length");
            var send = r.ReadUInt32("Send Time");
            r.Skip(4, "Flags");
            var chars = r.ReadUInt32("Marker Description Length");
            if (chars > (uint)r.Remaining / 2) throw r.Error($"marker description length {chars} overruns the object");
            markers.Add(new AsfMarker(markerOffset, time, send, r.ReadUtf16((int)chars * 2, "Marker Description")));
        }
        return markers;
    }

    public static ContentEncryptionInfo ReadContentEncryption(ReadOnlySpan<byte> obj, long offset)
    {
        var r = new AsfSpanReader(obj, offset, "Content Encryption");
        r.Skip(24, "object header");
        SkipBlock(ref r, "Secret Data");
        var protection = ReadAscii(ref r, "Protection Type");
        var keyId = ReadAscii(ref r, "Key ID");
        var url = ReadAscii(ref r, "License URL");
        return new ContentEncryptionInfo(protection, keyId, url);
    }

    private static void SkipBlock(ref AsfSpanReader r, string field)
    {
        var length = r.ReadUInt32(field + " Length");
        if (length > (uint)r.Remaining) throw r.Error($"{field} length {length} overruns the object");
        r.Skip((int)length, field);
    }

    private static string ReadAscii(ref AsfSpanReader r, string field)
    {
        var length = r.ReadUInt32(field + " Length");
        if (length > (uint)r.Remaining) throw r.Error($"{field} length {length} overruns the object");
        return Encoding.ASCII.GetString(r.ReadBytes((int)length, field)).TrimEnd('\0');
    }
}
