namespace MmsGateway.Asf.Objects;

/// <summary>A payload extension system declared for a stream; its data rides in each payload's replicated data (docs/protocol/asf.md#s4.6).</summary>
public sealed record PayloadExtensionSystem(Guid Id, ushort DataSize, ReadOnlyMemory<byte> Info)
{
    /// <summary>0xFFFF: the data is variable-sized and prefixed by a u16 length in each payload.</summary>
    public bool IsVariableSize => DataSize == 0xFFFF;
}

public sealed record StreamName(ushort LanguageIndex, string Name);

/// <summary>Extended Stream Properties Object, inside the Header Extension (docs/protocol/asf.md#s4.6).</summary>
public sealed class ExtendedStreamProperties
{
    public const int FixedSize = 88;

    public required ulong StartTimeMs { get; init; }
    public required ulong EndTimeMs { get; init; }
    public required uint DataBitrate { get; init; }
    public required uint BufferSizeMs { get; init; }
    public required uint InitialBufferFullnessMs { get; init; }
    public required uint AlternateDataBitrate { get; init; }
    public required uint MaximumObjectSize { get; init; }
    public required uint Flags { get; init; }
    public required int StreamNumber { get; init; }
    public required ushort LanguageIndex { get; init; }
    public required ulong AverageTimePerFrame { get; init; }
    public required IReadOnlyList<StreamName> Names { get; init; }
    public required IReadOnlyList<PayloadExtensionSystem> PayloadExtensions { get; init; }

    /// <summary>A complete Stream Properties object some writers embed here instead of at top level.</summary>
    public StreamProperties? EmbeddedStreamProperties { get; init; }

    internal static ExtendedStreamProperties Read(ReadOnlySpan<byte> obj, long offset)
    {
        var r = new AsfSpanReader(obj, offset, "Extended Stream Properties");
        r.Skip(24, "object header");
        var start = r.ReadUInt64("Start Time");
        var end = r.ReadUInt64("End Time");
        var bitrate = r.ReadUInt32("Data Bitrate");
        var buffer = r.ReadUInt32("Buffer Size");
        var fullness = r.ReadUInt32("Initial Buffer Fullness");
        var altBitrate = r.ReadUInt32("Alternate Data Bitrate");
        r.Skip(8, "Alternate Buffer Size/Fullness");
        var maxObject = r.ReadUInt32("Maximum Object Size");
        var flags = r.ReadUInt32("Flags");
        var number = r.ReadUInt16("Stream Number") & 0x7F;
        var language = r.ReadUInt16("Stream Language ID Index");
        var timePerFrame = r.ReadUInt64("Average Time Per Frame");
        var nameCount = r.ReadUInt16("Stream Name Count");
        var extCount = r.ReadUInt16("Payload Extension System Count");

        var names = new List<StreamName>(Math.Min((int)nameCount, 16));
        for (var i = 0; i < nameCount; i++)
        {
            var lang = r.ReadUInt16("Stream Name Language ID Index");
            var length = r.ReadUInt16("Stream Name Length");
            names.Add(new StreamName(lang, r.ReadUtf16(length, "Stream Name")));
        }

        var extensions = new List<PayloadExtensionSystem>(Math.Min((int)extCount, 16));
        for (var i = 0; i < extCount; i++)
        {
            var id = r.ReadGuid("Extension System ID");
            var size = r.ReadUInt16("Extension Data Size");
            var infoLength = r.ReadUInt32("Extension System Info Length");
            if (infoLength > (uint)r.Remaining) throw r.Error($"extension system info length {infoLength} overruns the object");
            extensions.Add(new PayloadExtensionSystem(id, size, r.ReadBytes((int)infoLength, "Extension System Info").ToArray()));
        }

        StreamProperties? embedded = null;
        if (r.Remaining >= 24)
        {
            var embeddedStart = r.Position;
            var rest = obj[embeddedStart..];
            var child = AsfObjectWalker.ReadChildHeader(rest, offset + embeddedStart, "Extended Stream Properties");
            if (child.Id == AsfGuids.StreamProperties)
                embedded = StreamProperties.Read(rest[..child.Length], offset + embeddedStart, embedded: true);
        }

        return new ExtendedStreamProperties
        {
            StartTimeMs = start,
            EndTimeMs = end,
            DataBitrate = bitrate,
            BufferSizeMs = buffer,
            InitialBufferFullnessMs = fullness,
            AlternateDataBitrate = altBitrate,
            MaximumObjectSize = maxObject,
            Flags = flags,
            StreamNumber = number,
            LanguageIndex = language,
            AverageTimePerFrame = timePerFrame,
            Names = names,
            PayloadExtensions = extensions,
            EmbeddedStreamProperties = embedded,
        };
    }
}
