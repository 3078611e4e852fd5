using System.Buffers.Binary;

namespace MmsGateway.Asf.Indexing;

/// <summary>One Simple Index entry: the packet holding the key frame nearest before the entry's time, and how many packets it spans.</summary>
public readonly record struct SimpleIndexEntry(uint PacketNumber, ushort PacketCount);

/// <summary>
/// Simple Index Object (docs/protocol/asf.md#s4.10): entry <c>i</c> covers presentation time <c>i × interval</c> on the
/// payload timeline, which includes the preroll.
/// </summary>
public sealed class SimpleIndex
{
    public const int FixedSize = 56;
    public const ulong DefaultInterval = 10_000_000; // 1 s in 100-ns units

    public required Guid FileId { get; init; }
    public required ulong EntryTimeInterval { get; init; }
    public required uint MaximumPacketCount { get; init; }
    public required IReadOnlyList<SimpleIndexEntry> Entries { get; init; }

    /// <summary>The packet to start from for presentation time <paramref name="presentationTimeMs"/> (including preroll).</summary>
    public uint PacketFor(ulong presentationTimeMs)
    {
        if (Entries.Count == 0 || EntryTimeInterval == 0) return 0;
        var i = presentationTimeMs * 10_000 / EntryTimeInterval;
        return Entries[(int)Math.Min(i, (ulong)Entries.Count - 1)].PacketNumber;
    }

    public int ByteSize => FixedSize + 6 * Entries.Count;

    public static SimpleIndex Read(ReadOnlySpan<byte> obj, long offset)
    {
        var r = new AsfSpanReader(obj, offset, "Simple Index");
        if (r.ReadGuid("object GUID") != AsfGuids.SimpleIndex) throw r.Error("not a Simple Index object");
        var size = r.ReadUInt64("Object Size");
        if (size > (ulong)obj.Length) throw r.Error($"object size {size} overruns the {obj.Length} bytes present");
        var fileId = r.ReadGuid("File ID");
        var interval = r.ReadUInt64("Index Entry Time Interval");
        var maxCount = r.ReadUInt32("Maximum Packet Count");
        var count = r.ReadUInt32("Index Entries Count");
        if (count > (uint)(r.Remaining / 6)) throw r.Error($"{count} entries do not fit the {r.Remaining} bytes left");
        var entries = new SimpleIndexEntry[count];
        for (var i = 0; i < entries.Length; i++)
            entries[i] = new SimpleIndexEntry(r.ReadUInt32("Packet Number"), r.ReadUInt16("Packet Count"));
        return new SimpleIndex { FileId = fileId, EntryTimeInterval = interval, MaximumPacketCount = maxCount, Entries = entries };
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[ByteSize];
        var span = bytes.AsSpan();
        AsfGuids.SimpleIndex.TryWriteBytes(span);
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], (ulong)bytes.Length);
        FileId.TryWriteBytes(span[24..]);
        BinaryPrimitives.WriteUInt64LittleEndian(span[40..], EntryTimeInterval);
        BinaryPrimitives.WriteUInt32LittleEndian(span[48..], MaximumPacketCount);
        BinaryPrimitives.WriteUInt32LittleEndian(span[52..], (uint)Entries.Count);
        var position = FixedSize;
        foreach (var e in Entries)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[position..], e.PacketNumber);
            BinaryPrimitives.WriteUInt16LittleEndian(span[(position + 4)..], e.PacketCount);
            position += 6;
        }
        return bytes;
    }
}

/// <summary>
/// Builds a Simple Index while packets are written: feed every key-frame payload start of the indexed stream,
/// then <see cref="Build"/> once the last packet is known.
/// </summary>
public sealed class SimpleIndexBuilder(ulong entryTimeInterval = SimpleIndex.DefaultInterval)
{
    private readonly List<(uint TimeMs, uint Packet)> _keyFrames = [];
    private readonly Dictionary<uint, uint> _lastPacketOfObject = [];
    private uint _currentObject = uint.MaxValue;

    /// <summary>Records a payload of the indexed stream found in packet <paramref name="packetNumber"/>.</summary>
    public void AddPayload(uint packetNumber, uint mediaObjectNumber, bool isKeyFrame, bool startsObject, uint presentationTimeMs)
    {
        if (isKeyFrame && startsObject && mediaObjectNumber != _currentObject)
        {
            _keyFrames.Add((presentationTimeMs, packetNumber));
            _currentObject = mediaObjectNumber;
        }
        if (mediaObjectNumber == _currentObject) _lastPacketOfObject[(uint)_keyFrames.Count - 1] = packetNumber;
    }

    public bool HasEntries => _keyFrames.Count > 0;

    /// <summary>Entries cover 0 .. <paramref name="playDuration"/> (100-ns, including preroll), one per interval.</summary>
    public SimpleIndex Build(Guid fileId, ulong playDuration)
    {
        var count = (int)Math.Max(1, (playDuration + entryTimeInterval - 1) / entryTimeInterval);
        var entries = new SimpleIndexEntry[count];
        uint maximum = 0;
        var k = -1;
        for (var i = 0; i < count; i++)
        {
            var timeMs = (ulong)i * entryTimeInterval / 10_000;
            while (k + 1 < _keyFrames.Count && _keyFrames[k + 1].TimeMs <= timeMs) k++;
            var frame = Math.Max(k, 0);
            if (_keyFrames.Count == 0)
            {
                entries[i] = new SimpleIndexEntry(0, 1);
                continue;
            }
            var first = _keyFrames[frame].Packet;
            var last = _lastPacketOfObject.TryGetValue((uint)frame, out var l) ? l : first;
            var span = (ushort)Math.Min(ushort.MaxValue, last - first + 1);
            entries[i] = new SimpleIndexEntry(first, span);
            maximum = Math.Max(maximum, span);
        }
        return new SimpleIndex { FileId = fileId, EntryTimeInterval = entryTimeInterval, MaximumPacketCount = Math.Max(maximum, 1), Entries = entries };
    }
}
