using System.Buffers.Binary;
using MmsGateway.Asf.Objects;

namespace MmsGateway.Asf;

/// <summary>
/// Parses the ASF Header Object (docs/protocol/asf.md#s4.1 to docs/protocol/asf.md#s4.7) from memory. Pure: the caller owns reading the bytes, and
/// uses <see cref="ReadHeaderObjectSize"/> on the first 30 bytes to learn how many to read (bounded by
/// <see cref="MaxHeaderSize"/> so a lying size cannot make it allocate gigabytes).
/// </summary>
public static class AsfHeaderReader
{
    public const int HeaderObjectFixedSize = 30;

    /// <summary>Data Object GUID, size, File ID, Total Data Packets and Reserved: what MMS sends after the header.</summary>
    public const int DataObjectFixedSize = 50;

    /// <summary>
    /// Upper bound for a Header Object. Real headers are a few KB (WM/Picture cover art can reach a few MB);
    /// anything larger is treated as malformed rather than buffered.
    /// </summary>
    public const int MaxHeaderSize = 16 * 1024 * 1024;

    /// <summary>Validates the Header Object's first 30 bytes and returns its declared total size.</summary>
    public static int ReadHeaderObjectSize(ReadOnlySpan<byte> first30)
    {
        if (first30.Length == 0) throw new AsfFormatException("Header", 0, "the input is empty");
        if (first30.Length < HeaderObjectFixedSize)
            throw new AsfFormatException("Header", 0, $"{first30.Length} bytes are too few for a Header Object (30)");
        if (new Guid(first30[..16]) != AsfGuids.Header)
            throw new AsfFormatException("Header", 0, "not an ASF file: the Header Object GUID is missing");
        var size = BinaryPrimitives.ReadUInt64LittleEndian(first30[16..]);
        if (size < HeaderObjectFixedSize)
            throw new AsfFormatException("Header", 16, $"object size {size} is below the 30-byte minimum");
        if (size > MaxHeaderSize)
            throw new AsfFormatException("Header", 16, $"object size {size} exceeds the {MaxHeaderSize}-byte limit");
        return (int)size;
    }

    /// <summary>
    /// Parses a Header Object at the start of <paramref name="bytes"/>. Trailing bytes (the Data Object that
    /// follows) are ignored; <see cref="AsfDataObjectHeader.TryRead"/> reads those.
    /// </summary>
    public static AsfHeader Parse(ReadOnlySpan<byte> bytes)
    {
        var size = ReadHeaderObjectSize(bytes[..Math.Min(bytes.Length, HeaderObjectFixedSize)]);
        if (bytes.Length < size)
            throw new AsfFormatException("Header", 16, $"object size {size} but only {bytes.Length} bytes are present (truncated)");
        var raw = bytes[..size].ToArray();
        return new Builder(raw).Build();
    }

    /// <summary>Accumulates typed objects while walking the raw header once.</summary>
    private sealed class Builder(byte[] raw)
    {
        private FileProperties? _fileProperties;
        private readonly List<StreamProperties> _streams = [];
        private readonly List<ExtendedStreamProperties> _extended = [];
        private readonly List<StreamBitrate> _bitrates = [];
        private readonly List<MutualExclusion> _exclusions = [];
        private readonly List<GroupMutualExclusion> _groupExclusions = [];
        private readonly List<StreamPriority> _priorities = [];
        private readonly List<BandwidthSharing> _sharing = [];
        private readonly List<CodecEntry> _codecs = [];
        private readonly List<ContentDescriptor> _extendedContent = [];
        private readonly List<ScriptCommand> _scriptCommands = [];
        private readonly List<AsfMarker> _markers = [];
        private readonly List<AsfObjectSpan> _extensionObjects = [];
        private ContentDescription? _contentDescription;
        private ContentEncryptionInfo? _contentEncryption;
        private AsfProtection _protection;

        public AsfHeader Build()
        {
            var span = raw.AsSpan();
            var children = AsfObjectWalker.ReadChildren(span[HeaderObjectFixedSize..], HeaderObjectFixedSize, "Header");
            for (var i = 0; i < children.Count; i++)
            {
                var child = children[i] with { Offset = children[i].Offset + HeaderObjectFixedSize };
                children[i] = child;
                ReadTopLevel(child, span.Slice(child.Offset, child.Length));
            }

            var fileProperties = _fileProperties
                ?? throw new AsfFormatException("Header", 0, "no File Properties object");

            // Streams declared only inside Extended Stream Properties count too (docs/protocol/asf.md#s4.4, docs/protocol/asf.md#s4.6).
            foreach (var ext in _extended)
            {
                if (ext.EmbeddedStreamProperties is { } embedded && !_streams.Exists(s => s.StreamNumber == embedded.StreamNumber))
                    _streams.Add(embedded);
            }
            _streams.Sort((a, b) => a.StreamNumber.CompareTo(b.StreamNumber));
            for (var i = 1; i < _streams.Count; i++)
            {
                if (_streams[i].StreamNumber == _streams[i - 1].StreamNumber)
                    throw new AsfFormatException("Stream Properties", 0, $"stream {_streams[i].StreamNumber} is declared twice");
            }
            if (_streams.Exists(s => s.IsEncrypted)) _protection |= AsfProtection.EncryptedStream;

            return new AsfHeader
            {
                Raw = raw,
                FileProperties = fileProperties,
                Streams = _streams,
                ExtendedStreams = _extended,
                Bitrates = _bitrates,
                MutualExclusions = _exclusions,
                GroupMutualExclusions = _groupExclusions,
                Priorities = _priorities,
                BandwidthSharing = _sharing,
                Codecs = _codecs,
                ContentDescription = _contentDescription,
                ExtendedContent = _extendedContent,
                ScriptCommands = _scriptCommands,
                Markers = _markers,
                Protection = _protection,
                ContentEncryption = _contentEncryption,
                Objects = children,
                ExtensionObjects = _extensionObjects,
            };
        }

        private void ReadTopLevel(AsfObjectSpan child, ReadOnlySpan<byte> obj)
        {
            var id = child.Id;
            long offset = child.Offset;
            if (id == AsfGuids.FileProperties)
            {
                if (_fileProperties is not null) throw new AsfFormatException("File Properties", offset, "declared twice");
                _fileProperties = FileProperties.Read(obj, offset);
            }
            else if (id == AsfGuids.StreamProperties) _streams.Add(StreamProperties.Read(obj, offset, embedded: false));
            else if (id == AsfGuids.HeaderExtension) ReadHeaderExtension(obj, offset);
            else if (id == AsfGuids.StreamBitrateProperties) _bitrates.AddRange(StreamRelationReaders.ReadBitrates(obj, offset));
            else if (id == AsfGuids.BitrateMutualExclusion) _exclusions.Add(StreamRelationReaders.ReadMutualExclusion(obj, offset, advanced: false));
            else if (id == AsfGuids.CodecList) _codecs.AddRange(DescriptionReaders.ReadCodecList(obj, offset));
            else if (id == AsfGuids.ContentDescription) _contentDescription = DescriptionReaders.ReadContentDescription(obj, offset);
            else if (id == AsfGuids.ExtendedContentDescription) _extendedContent.AddRange(DescriptionReaders.ReadExtendedContent(obj, offset));
            else if (id == AsfGuids.ScriptCommand) _scriptCommands.AddRange(DescriptionReaders.ReadScriptCommands(obj, offset).Commands);
            else if (id == AsfGuids.Marker) _markers.AddRange(DescriptionReaders.ReadMarkers(obj, offset));
            else if (id == AsfGuids.ContentEncryption)
            {
                _protection |= AsfProtection.ContentEncryption;
                _contentEncryption = DescriptionReaders.ReadContentEncryption(obj, offset);
            }
            else if (id == AsfGuids.ExtendedContentEncryption) _protection |= AsfProtection.ExtendedContentEncryption;
            else if (id == AsfGuids.DigitalSignature) _protection |= AsfProtection.DigitalSignature;
            // Everything else (Padding, Error Correction, Content Branding, unknown GUIDs) stays opaque in Raw.
        }

        /// <summary>Header Extension (docs/protocol/asf.md#s4.5): 46-byte fixed part, then nested objects.</summary>
        private void ReadHeaderExtension(ReadOnlySpan<byte> obj, long offset)
        {
            var r = new AsfSpanReader(obj, offset, "Header Extension");
            r.Skip(24, "object header");
            r.ReadGuid("Reserved Field 1");
            r.ReadUInt16("Reserved Field 2");
            var dataSize = r.ReadUInt32("Header Extension Data Size");
            if (dataSize > (uint)r.Remaining)
                throw r.Error($"extension data size {dataSize} overruns the object ({r.Remaining} bytes left)");
            const int fixedPart = 46;
            var body = obj.Slice(fixedPart, (int)dataSize);
            foreach (var ext in AsfObjectWalker.ReadChildren(body, offset + fixedPart, "Header Extension"))
            {
                var absolute = ext with { Offset = (int)offset + fixedPart + ext.Offset };
                _extensionObjects.Add(absolute);
                ReadExtension(absolute, body.Slice(ext.Offset, ext.Length));
            }
        }

        private void ReadExtension(AsfObjectSpan child, ReadOnlySpan<byte> obj)
        {
            var id = child.Id;
            long offset = child.Offset;
            if (id == AsfGuids.ExtendedStreamProperties) _extended.Add(ExtendedStreamProperties.Read(obj, offset));
            else if (id == AsfGuids.AdvancedMutualExclusion) _exclusions.Add(StreamRelationReaders.ReadMutualExclusion(obj, offset, advanced: true));
            else if (id == AsfGuids.GroupMutualExclusion) _groupExclusions.Add(StreamRelationReaders.ReadGroupMutualExclusion(obj, offset));
            else if (id == AsfGuids.StreamPrioritization) _priorities.AddRange(StreamRelationReaders.ReadPrioritization(obj, offset));
            else if (id == AsfGuids.BandwidthSharing) _sharing.Add(StreamRelationReaders.ReadBandwidthSharing(obj, offset));
            else if (id == AsfGuids.AdvancedContentEncryption) _protection |= AsfProtection.AdvancedContentEncryption;
        }
    }
}
