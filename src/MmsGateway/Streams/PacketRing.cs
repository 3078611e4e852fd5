using MmsGateway.Asf;

namespace MmsGateway.Streams;

/// <summary>What the ring knows about one packet without parsing it again.</summary>
public readonly record struct RingEntry(long Sequence, int Length, AsfStreamSet KeyFrameStarts, uint SendTime);

/// <summary>Writes the framing a slot carries in front of its packet (the same for every reader), e.g. an MS-WMSP <c>$D</c>.</summary>
public delegate void SlotPrefixWriter(Span<byte> destination, long sequence, int length);

/// <summary>
/// The recent packets of one stream in one preallocated buffer: a single writer (the upstream reader) and many
/// readers (viewers), each with its own cursor. Nothing is allocated per packet and nothing is copied per
/// viewer until it writes. A reader that falls more than <see cref="Capacity"/> packets behind finds its packets
/// overwritten; <see cref="TryCopy"/> detects that (sequence stamp checked before and after the copy) so the
/// reader can skip ahead rather than send a torn packet.
/// </summary>
/// <remarks>
/// Each slot is a seqlock: the writer sets its stamp to -1, writes bytes and metadata, then stamps the sequence;
/// a reader checks the stamp before and after copying. No lock is taken on either side.
/// <para>
/// Slots lie back to back in one pinned array, each a <see cref="PrefixSize"/>-byte prefix written once by the ring
/// followed by the packet (<see cref="SlotOffset"/>): a reader that sends the framed form sends a run of consecutive
/// packets as one contiguous piece of memory, straight from the ring (LiveViewerPump's direct path).
/// </para>
/// </remarks>
public sealed class PacketRing
{
    private readonly byte[] _buffer;
    private readonly SlotPrefixWriter? _writePrefix;
    private readonly RingEntry[] _entries;
    private readonly long[] _stamps;
    private long _published = -1;

    public PacketRing(int capacity, int packetSize, int prefixSize = 0, SlotPrefixWriter? writePrefix = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(packetSize, 1);
        if ((prefixSize > 0) != (writePrefix is not null)) throw new ArgumentException("a prefix size needs a prefix writer, and only then");
        Capacity = capacity;
        PacketSize = packetSize;
        PrefixSize = prefixSize;
        Stride = prefixSize + packetSize;
        _writePrefix = writePrefix;
        // Pinned: the direct path hands these bytes to the kernel, and a pinned array costs no pinning per send.
        _buffer = GC.AllocateUninitializedArray<byte>(checked(capacity * Stride), pinned: true);
        _entries = new RingEntry[capacity];
        _stamps = new long[capacity];
        Array.Fill(_stamps, -1);
    }

    public int Capacity { get; }
    public int PacketSize { get; }

    /// <summary>Bytes of framing in front of each packet (0: none).</summary>
    public int PrefixSize { get; }

    /// <summary>Distance between two slots in <see cref="Buffer"/>.</summary>
    public int Stride { get; }

    /// <summary>The slots themselves, for readers that send from them (see <see cref="Holds"/>).</summary>
    internal byte[] Buffer => _buffer;

    /// <summary>Sequence of the newest packet, -1 when none yet.</summary>
    public long Published => Volatile.Read(ref _published);

    /// <summary>Oldest sequence still held.</summary>
    public long Oldest => Math.Max(0, Published - Capacity + 1);

    /// <summary>Where the slot of <paramref name="sequence"/> starts in <see cref="Buffer"/> (its prefix first).</summary>
    public int SlotOffset(long sequence) => (int)(sequence % Capacity) * Stride;

    /// <summary>Appends a packet (single writer). Returns its sequence.</summary>
    public long Append(ReadOnlySpan<byte> packet, AsfStreamSet keyFrameStarts, uint sendTime)
    {
        if (packet.Length > PacketSize) throw new ArgumentException($"a {packet.Length}-byte packet does not fit a {PacketSize}-byte slot", nameof(packet));
        var sequence = _published + 1;
        var index = (int)(sequence % Capacity);
        Volatile.Write(ref _stamps[index], -1);
        Interlocked.MemoryBarrier();
        var slot = _buffer.AsSpan(SlotOffset(sequence), Stride);
        _writePrefix?.Invoke(slot[..PrefixSize], sequence, packet.Length);
        packet.CopyTo(slot[PrefixSize..]);
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
        _buffer.AsSpan(SlotOffset(sequence) + PrefixSize, copy.Length).CopyTo(destination);
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _stamps[index]) != sequence) return false;
        entry = copy;
        return true;
    }

    /// <summary>
    /// The entry of packet <paramref name="sequence"/> if it is published and held, for a reader that sends its slot from
    /// <see cref="Buffer"/> without copying. The bytes are only good while the slot is not reused: after using them the
    /// reader must check <see cref="Holds"/>, which is false once the writer has started on the packet
    /// <see cref="Capacity"/> later.
    /// </summary>
    public bool TryGetPublished(long sequence, out RingEntry entry)
    {
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
