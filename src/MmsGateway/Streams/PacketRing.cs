using MmsGateway.Asf;

namespace MmsGateway.Streams;

/// <summary>What the ring knows about one packet without parsing it again.</summary>
public readonly record struct RingEntry(long Sequence, int Length, AsfStreamSet KeyFrameStarts, uint SendTime);

/// <summary>
/// The recent packets of one stream in preallocated slots: a single writer (the upstream reader) and many
/// readers (viewers), each with its own cursor. Nothing is allocated per packet and nothing is copied per
/// viewer until it writes. A reader that falls more than <see cref="Capacity"/> packets behind finds its packets
/// overwritten; <see cref="TryCopy"/> detects that (sequence stamp checked before and after the copy) so the
/// reader can skip ahead rather than send a torn packet.
/// </summary>
/// <remarks>
/// Each slot is a seqlock: the writer sets its stamp to -1, writes bytes and metadata, then stamps the sequence;
/// a reader checks the stamp before and after copying. No lock is taken on either side.
/// </remarks>
public sealed class PacketRing
{
    private readonly byte[][] _slots;
    private readonly RingEntry[] _entries;
    private readonly long[] _stamps;
    private long _published = -1;

    public PacketRing(int capacity, int packetSize)
    {
        Capacity = capacity;
        PacketSize = packetSize;
        _slots = new byte[capacity][];
        for (var i = 0; i < capacity; i++) _slots[i] = new byte[packetSize];
        _entries = new RingEntry[capacity];
        _stamps = new long[capacity];
        Array.Fill(_stamps, -1);
    }

    public int Capacity { get; }
    public int PacketSize { get; }

    /// <summary>Sequence of the newest packet, -1 when none yet.</summary>
    public long Published => Volatile.Read(ref _published);

    /// <summary>Oldest sequence still held.</summary>
    public long Oldest => Math.Max(0, Published - Capacity + 1);

    /// <summary>Appends a packet (single writer). Returns its sequence.</summary>
    public long Append(ReadOnlySpan<byte> packet, AsfStreamSet keyFrameStarts, uint sendTime)
    {
        var sequence = _published + 1;
        var index = (int)(sequence % Capacity);
        Volatile.Write(ref _stamps[index], -1);
        Interlocked.MemoryBarrier();
        packet.CopyTo(_slots[index]);
        _entries[index] = new RingEntry(sequence, packet.Length, keyFrameStarts, sendTime);
        Volatile.Write(ref _stamps[index], sequence);
        Volatile.Write(ref _published, sequence);
        return sequence;
    }

    /// <summary>The entry of <paramref name="sequence"/> if it is still held.</summary>
    public bool TryGetEntry(long sequence, out RingEntry entry)
    {
        entry = default;
        if (sequence < 0) return false;
        var index = (int)(sequence % Capacity);
        if (Volatile.Read(ref _stamps[index]) != sequence) return false;
        var copy = _entries[index];
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _stamps[index]) != sequence) return false;
        entry = copy;
        return true;
    }

    /// <summary>
    /// Copies packet <paramref name="sequence"/> into <paramref name="destination"/>; false if it was overwritten
    /// (the reader fell behind) or is not published yet.
    /// </summary>
    public bool TryCopy(long sequence, Span<byte> destination, out RingEntry entry)
    {
        entry = default;
        if (sequence < 0 || sequence > Published) return false;
        var index = (int)(sequence % Capacity);
        if (Volatile.Read(ref _stamps[index]) != sequence) return false;
        var copy = _entries[index];
        _slots[index].AsSpan(0, copy.Length).CopyTo(destination);
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _stamps[index]) != sequence) return false;
        entry = copy;
        return true;
    }

    /// <summary>
    /// The slot holding packet <paramref name="sequence"/>, to be sent from where it lies (no copy). The bytes are only
    /// good while the slot is not reused: after using them the reader must check <see cref="Holds"/>, which is false
    /// once the writer has started on the packet <see cref="Capacity"/> later.
    /// </summary>
    public bool TryGetSlot(long sequence, out byte[] slot, out RingEntry entry)
    {
        slot = _slots[(int)(Math.Max(sequence, 0) % Capacity)];
        entry = default;
        return sequence <= Published && TryGetEntry(sequence, out entry);
    }

    /// <summary>True while packet <paramref name="sequence"/> is still in its slot, untouched by the writer.</summary>
    public bool Holds(long sequence)
    {
        if (sequence < 0) return false;
        Interlocked.MemoryBarrier();
        return Volatile.Read(ref _stamps[(int)(sequence % Capacity)]) == sequence;
    }

    /// <summary>
    /// Where a new reader should start: the newest packet in which one of <paramref name="videoStreams"/> starts a
    /// key frame; for audio-only streams (empty set) the newest packet. -1 when nothing suitable is held at or after
    /// <paramref name="notBefore"/>.
    /// </summary>
    public long FindJoinPoint(AsfStreamSet videoStreams, long notBefore = 0)
    {
        var newest = Published;
        if (newest < notBefore || newest < 0) return -1;
        if (videoStreams.IsEmpty) return newest;
        for (var s = newest; s >= Math.Max(Oldest, notBefore); s--)
        {
            if (TryGetEntry(s, out var entry) && !entry.KeyFrameStarts.Intersect(videoStreams).IsEmpty) return s;
        }
        return -1;
    }
}
