namespace MmsGateway.Mms.Mmsu;

/// <summary>
/// The reorder and resend window of one MMSU play (docs/protocol/mmsu.md#s1.8): media datagrams carry the low 8 bits
/// of a per-play 32-bit sequence in AFFlags; the window rebuilds the full number (the LocationId, which only grows
/// within a play, settles the rare ambiguous case), keeps the packets in preallocated slots, hands them out in
/// order, and on each <see cref="Tick"/> names the numbers to ask for again: a gap after half a resend interval (a
/// little reordering is normal), again after each further interval, given up (counted as lost) after the last
/// allowed request. A quiet spell with nothing missing names the numbers just past the highest one seen, so losses at
/// the very end of a stream are found too.
/// <para>
/// No I/O and no locking: the data channel receives, sends the requests and holds its lock around every call. Time
/// comes from the <see cref="TimeProvider"/> given, so the rules can be tested on a manual clock. Nothing is
/// allocated per packet.
/// </para>
/// </summary>
internal sealed class MmsuReorderWindow
{
    /// <summary>Unambiguous 8-bit sequence reconstruction needs a window below 256; 128 keeps a margin.</summary>
    public const int MaxWindow = 128;

    /// <summary>Numbers probed past the highest one seen after a quiet spell (tail losses).</summary>
    public const int TailProbeCount = 8;

    /// <summary>Most numbers one <see cref="Tick"/> can name: every slot and the tail probes.</summary>
    public const int MaxNumbersPerTick = MaxWindow + TailProbeCount;

    private const int MinWindow = 32;

    /// <summary>About this much media is held for reordering (fewer slots for larger packets).</summary>
    private const int WindowBytes = 8 * 1024 * 1024;

    private const int MaxTailProbes = 3;

    private readonly TimeProvider _time;
    private readonly long _resendIntervalTicks;
    private readonly int _maxResends;

    private Slot[] _slots = [];
    private int _window;
    private bool _playing;
    private byte _incarnation;
    private long _next;
    private long _highest = -1;
    private uint _highestLocation;
    private Slot? _held;
    private long _lastArrival;
    private long _lastProbe;
    private int _probes;

    private long _duplicates;
    private long _outOfWindow;
    private long _recovered;
    private long _lost;

    /// <param name="resendInterval">The wait between requests for one packet (the first after half of it).</param>
    /// <param name="maxResends">Requests for one packet before it is given up.</param>
    public MmsuReorderWindow(TimeProvider time, TimeSpan resendInterval, int maxResends)
    {
        _time = time;
        _resendIntervalTicks = (long)(resendInterval.TotalSeconds * time.TimestampFrequency);
        _maxResends = maxResends;
    }

    public bool IsPlaying => _playing;

    /// <summary>Places of the window for the current packet size (32 to <see cref="MaxWindow"/>); 0 before the first play.</summary>
    public int Capacity => _window;

    /// <summary>The highest sequence number seen in this play, -1 before the first packet.</summary>
    public long Highest => _highest;

    /// <summary>Packets that arrived after they had been asked for again.</summary>
    public long Recovered => Interlocked.Read(ref _recovered);

    /// <summary>Packets given up after the last allowed request (and not recovered later).</summary>
    public long Lost => Interlocked.Read(ref _lost);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long OutOfWindow => Interlocked.Read(ref _outOfWindow);

    /// <summary>
    /// Starts (or restarts, after a seek) a play with <paramref name="incarnation"/>: empties the window and sizes it
    /// for <paramref name="packetSize"/> (the slots are made once and reused for the session).
    /// </summary>
    public void Begin(byte incarnation, int packetSize)
    {
        int window = Math.Clamp(WindowBytes / Math.Max(packetSize, 1), MinWindow, MaxWindow);
        if (_slots.Length != window)
        {
            _slots = new Slot[window];
            for (int i = 0; i < window; i++) _slots[i] = new Slot(packetSize + MmsDataPacketHeader.Size);
        }

        _window = window;
        foreach (Slot slot in _slots) slot.Clear();
        _held = null;
        _incarnation = incarnation;
        _next = 0;
        _highest = -1;
        _highestLocation = 0;
        _probes = 0;
        _lastArrival = _lastProbe = _time.GetTimestamp();
        _playing = true;
    }

    /// <summary>Stops accepting media (before a StopPlaying): datagrams of the old play are dropped from now on.</summary>
    public void End() => _playing = false;

    /// <summary>Puts one media datagram's packet into the window (docs/protocol/mmsu.md#s1.8, item 6).</summary>
    public MmsuArrival Accept(MmsDataPacketHeader preheader, ReadOnlySpan<byte> payload)
    {
        if (!_playing || preheader.PlayIncarnation != _incarnation || _window == 0) return MmsuArrival.NotPlaying;
        long sequence = Reconstruct(preheader.AfFlags, preheader.LocationId);
        if (sequence < _next)
        {
            Interlocked.Increment(ref _duplicates);
            return MmsuArrival.Duplicate;
        }

        // The slot of the packet the reader holds (_next - 1) is not free yet.
        if (sequence >= _next + _window - 1)
        {
            Interlocked.Increment(ref _outOfWindow);
            return MmsuArrival.OutOfWindow;
        }

        Slot slot = _slots[sequence % _window];
        if (slot.Sequence == sequence && slot.State == SlotState.Received)
        {
            Interlocked.Increment(ref _duplicates);
            return MmsuArrival.Duplicate;
        }

        if (slot.Sequence == sequence && slot.Requests > 0) Interlocked.Increment(ref _recovered);
        if (slot.Sequence == sequence && slot.State == SlotState.Lost) Interlocked.Decrement(ref _lost);
        if (slot.Data.Length < payload.Length) slot.Data = new byte[payload.Length]; // a packet larger than announced: rare
        payload.CopyTo(slot.Data);
        slot.Length = payload.Length;
        slot.LocationId = preheader.LocationId;
        slot.Sequence = sequence;
        slot.State = SlotState.Received;
        long now = _time.GetTimestamp();
        if (sequence > _highest)
        {
            for (long missing = _highest + 1; missing < sequence; missing++)
            {
                Slot gap = _slots[missing % _window];
                if (gap.Sequence != missing) gap.MarkMissing(missing, now);
            }

            _highest = sequence;
            _highestLocation = preheader.LocationId;
        }

        _lastArrival = now;
        _probes = 0;
        return sequence == _next ? MmsuArrival.AtHead : MmsuArrival.Stored;
    }

    /// <summary>
    /// The next packet in sequence order, skipping packets given up as lost. The packet stays valid until the next
    /// call (its slot is reused only then). <paramref name="nothingPending"/>: every number seen has been taken.
    /// </summary>
    public MmsuTake TryTake(out ReadOnlyMemory<byte> packet, out uint locationId, out bool nothingPending)
    {
        _held?.Clear();
        _held = null;
        while (_window > 0)
        {
            Slot slot = _slots[_next % _window];
            if (slot.Sequence == _next && slot.State == SlotState.Received)
            {
                _held = slot;
                _next++;
                packet = slot.Data.AsMemory(0, slot.Length);
                locationId = slot.LocationId;
                nothingPending = false;
                return MmsuTake.Packet;
            }

            if (slot.Sequence == _next && slot.State == SlotState.Lost)
            {
                slot.Clear();
                _next++;
                continue;
            }

            break;
        }

        packet = default;
        locationId = 0;
        nothingPending = _next > _highest;
        return MmsuTake.Wait;
    }

    /// <summary>
    /// The resend timer's work: writes into <paramref name="numbers"/> (room for <see cref="MaxNumbersPerTick"/>) the
    /// sequence numbers to ask for again now, in order, and gives up on those asked for too often.
    /// </summary>
    public MmsuResends Tick(Span<uint> numbers)
    {
        if (!_playing || _window == 0) return default;
        long now = _time.GetTimestamp();
        int count = 0;
        int lost = 0;
        bool headLost = false;
        for (long s = _next; s <= _highest; s++)
        {
            Slot slot = _slots[s % _window];
            if (slot.Sequence != s || slot.State != SlotState.Missing) continue;
            if (now - slot.LastChange < (slot.Requests == 0 ? _resendIntervalTicks / 2 : _resendIntervalTicks)) continue;
            if (slot.Requests >= _maxResends)
            {
                slot.State = SlotState.Lost;
                Interlocked.Increment(ref _lost);
                lost++;
                headLost |= s == _next;
                continue;
            }

            slot.Requests++;
            slot.LastChange = now;
            numbers[count++] = (uint)s;
        }

        if (count == 0 && _highest >= 0 && _probes < MaxTailProbes
            && now - _lastArrival >= _resendIntervalTicks && now - _lastProbe >= _resendIntervalTicks)
        {
            for (int i = 1; i <= TailProbeCount; i++) numbers[count++] = (uint)(_highest + i);
            _probes++;
            _lastProbe = now;
        }

        return new MmsuResends(count, lost, headLost);
    }

    private enum SlotState
    {
        Empty,
        Missing,
        Received,
        Lost,
    }

    /// <summary>
    /// The 32-bit sequence from its low 8 bits (docs/protocol/mmsu.md#s1.8, item 6): the value nearest the highest
    /// seen; the LocationId, which grows with the sequence, decides when the gap is too large to tell.
    /// </summary>
    private long Reconstruct(byte low, uint locationId)
    {
        if (_highest < 0) return low;
        long candidate = (_highest & ~0xFFL) | low;
        if (candidate > _highest + 128) candidate -= 256;
        else if (candidate <= _highest - 128) candidate += 256;
        if (locationId > _highestLocation)
        {
            while (candidate <= _highest) candidate += 256;
        }
        else if (locationId < _highestLocation)
        {
            while (candidate >= _highest) candidate -= 256;
        }

        return candidate;
    }

    /// <summary>One place of the window; its buffer is reused for the whole session.</summary>
    private sealed class Slot(int capacity)
    {
        public byte[] Data = new byte[capacity];
        public long Sequence = -1;
        public SlotState State;
        public int Length;
        public uint LocationId;
        public int Requests;
        public long LastChange;

        public void Clear()
        {
            Sequence = -1;
            State = SlotState.Empty;
            Length = 0;
            Requests = 0;
        }

        public void MarkMissing(long sequence, long now)
        {
            Sequence = sequence;
            State = SlotState.Missing;
            Requests = 0;
            LastChange = now;
        }
    }
}

/// <summary>What one <see cref="MmsuReorderWindow.Tick"/> decided.</summary>
/// <param name="Count">Numbers written to ask for again (RequestPacketListResend sends at most 32 per datagram).</param>
/// <param name="Lost">Packets given up on this tick.</param>
/// <param name="HeadLost">The packet the reader waits for was given up: wake it, it moves past the gap.</param>
internal readonly record struct MmsuResends(int Count, int Lost, bool HeadLost);
