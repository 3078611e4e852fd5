using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Packets;

namespace MmsGateway.Asf.Selection;

/// <summary>
/// Thinning levels of a stream-switch entry (MS-MMSP 2.2.4.28.1, MS-WMSP 2.2.1.4.27): 0 everything, 1 only
/// payloads of key frames, 2 nothing.
/// </summary>
public enum ThinningLevel
{
    Full = 0,
    KeyFramesOnly = 1,
    Off = 2,
}

/// <summary>
/// Which streams flow and at what thinning level, applied packet by packet (docs/protocol/selection.md#s5.2). A stream that is
/// switched on starts at a payload that begins a key frame (any object start for audio), so a decoder never sees
/// a frame without its reference; a stream being replaced keeps flowing until its replacement has started.
/// Stateful: one instance per outgoing session. Not thread-safe: call <see cref="Select"/> and
/// <see cref="Apply"/> from the session's sending loop.
/// </summary>
public sealed class AsfStreamSelection
{
    private readonly int _packetSize;
    private readonly AsfStreamSet _videoStreams;
    private readonly AsfStreamSet _existing;
    private readonly ThinningLevel[] _levels = new ThinningLevel[128];
    private AsfStreamSet _waitingForStart;
    private readonly int[] _replacing = new int[128]; // replacement stream -> stream it replaces (0 = none)

    public AsfStreamSelection(AsfHeader header)
    {
        _packetSize = header.PacketSize;
        foreach (var s in header.Streams)
        {
            _existing = _existing.With(s.StreamNumber);
            if (s.Type == AsfStreamType.Video) _videoStreams = _videoStreams.With(s.StreamNumber);
        }
        Array.Fill(_levels, ThinningLevel.Off);
        foreach (var n in _existing.Numbers) _levels[n] = ThinningLevel.Full;
    }

    /// <summary>Stream numbers the header declares.</summary>
    public IReadOnlySet<int> Existing => _existingNumbers ??= _existing.Numbers.ToHashSet();

    private HashSet<int>? _existingNumbers;

    /// <summary>Streams currently delivered (level 0 or 1).</summary>
    public AsfStreamSet Delivered
    {
        get
        {
            var set = AsfStreamSet.None;
            foreach (var n in _existing.Numbers)
                if (_levels[n] != ThinningLevel.Off) set = set.With(n);
            return set;
        }
    }

    /// <summary>
    /// True when <see cref="Apply"/> would return every packet carrying only <paramref name="carried"/> unchanged: no
    /// stream waits for its clean start and each carried stream is delivered in full. A caller may then skip the
    /// per-packet parse (the live fan-out fast path); it must ask again after <see cref="Select"/> or
    /// <see cref="Resynchronize"/>.
    /// </summary>
    public bool PassesUnchanged(AsfStreamSet carried)
    {
        if (!_waitingForStart.IsEmpty) return false;
        for (var n = 1; n < 128; n++)
            if (carried.Contains(n) && _levels[n] != ThinningLevel.Full) return false;
        return true;
    }

    public ThinningLevel LevelOf(int stream) => stream is > 0 and < 128 ? _levels[stream] : ThinningLevel.Off;

    /// <summary>
    /// Applies stream-switch entries (docs/protocol/selection.md#s5.1). <c>(0xFFFF, N, L)</c> sets N to level L; <c>(N, N, L)</c> changes N's
    /// level; <c>(A, B, L)</c> replaces A by B; <c>(N, 0xFFFF, _)</c> turns N off. With
    /// <paramref name="unlistedOff"/>, streams no entry names are turned off (a complete selection, as MMSH
    /// Play and the first 0x33 of a session carry). Entries naming unknown streams are ignored.
    /// </summary>
    public void Select(IEnumerable<(int Source, int Destination, ThinningLevel Level)> entries, bool unlistedOff)
    {
        var listed = AsfStreamSet.None;
        var next = (ThinningLevel[])_levels.Clone();
        Array.Clear(_replacing);
        foreach (var (source, destination, level) in entries)
        {
            var src = source is > 0 and < 128 && _existing.Contains(source) ? source : 0;
            var dst = destination is > 0 and < 128 && _existing.Contains(destination) ? destination : 0;
            if (dst != 0)
            {
                next[dst] = level;
                listed = listed.With(dst);
                if (src != 0 && src != dst)
                {
                    _replacing[dst] = src; // src keeps flowing until dst starts
                    listed = listed.With(src);
                }
            }
            else if (src != 0)
            {
                next[src] = ThinningLevel.Off;
                listed = listed.With(src);
            }
        }
        if (unlistedOff)
        {
            foreach (var n in _existing.Numbers)
                if (!listed.Contains(n)) next[n] = ThinningLevel.Off;
        }
        foreach (var n in _existing.Numbers)
        {
            if (_levels[n] == ThinningLevel.Off && next[n] != ThinningLevel.Off) _waitingForStart = _waitingForStart.With(n);
            if (next[n] == ThinningLevel.Off) _waitingForStart = _waitingForStart.Without(n);
            _levels[n] = next[n];
        }
        // A replaced stream stays on until its replacement starts.
        for (var dst = 1; dst < 128; dst++)
        {
            var src = _replacing[dst];
            if (src == 0) continue;
            if (_waitingForStart.Contains(dst))
            {
                _levels[src] = next[src] == ThinningLevel.Off ? ThinningLevel.Full : next[src];
            }
            else
            {
                // The replacement is already flowing: the switch is immediate.
                _levels[src] = ThinningLevel.Off;
                _replacing[dst] = 0;
            }
        }
    }

    /// <summary>
    /// Makes every delivered stream wait for its next clean start (key frame, or object start for audio). Call it
    /// when a play begins mid-content (a live join, a seek): the first packet often still carries the tail of the
    /// frame before the key frame, which decoders report as "first frame is no keyframe" (docs/protocol/interop.md#s12).
    /// </summary>
    public void Resynchronize()
    {
        foreach (var n in _existing.Numbers)
            if (_levels[n] != ThinningLevel.Off) _waitingForStart = _waitingForStart.With(n);
    }

    /// <summary>Sets every existing stream to one level (the "no entries at all" case of a tolerant server).</summary>
    public void SelectAll(ThinningLevel level = ThinningLevel.Full) =>
        Select(_existing.Numbers.Select(n => (0xFFFF, n, level)), unlistedOff: true);

    /// <summary>
    /// Filters one full-size packet into <paramref name="output"/> (at least the packet size). Returns what to send:
    /// the original, the rebuilt output, or nothing.
    /// </summary>
    public AsfPacketFilterResult Apply(ReadOnlySpan<byte> packet, Span<byte> output)
    {
        Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        var header = AsfPacketParser.Parse(packet, _packetSize, payloads);
        Span<bool> keep = stackalloc bool[header.PayloadCount];
        for (var i = 0; i < header.PayloadCount; i++)
        {
            var p = payloads[i];
            var n = p.StreamNumber;
            var level = LevelOf(n);
            if (level == ThinningLevel.Off) continue;
            var isVideo = _videoStreams.Contains(n);
            if (_waitingForStart.Contains(n))
            {
                // Start a newly enabled stream where a decoder can: a key frame for video, any object start otherwise.
                if (!p.StartsMediaObject || (isVideo && !p.IsKeyFrame)) continue;
                _waitingForStart = _waitingForStart.Without(n);
                ReleaseReplaced(n);
            }
            keep[i] = level == ThinningLevel.Full || !isVideo || p.IsKeyFrame;
        }
        return AsfPacketWriter.Rebuild(packet, header, payloads[..header.PayloadCount], keep, _packetSize, output);
    }

    private void ReleaseReplaced(int started)
    {
        var replaced = _replacing[started];
        if (replaced == 0) return;
        _replacing[started] = 0;
        _levels[replaced] = ThinningLevel.Off;
    }
}
