using MmsGateway.Asf;
using MmsGateway.Asf.Packets;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// Rebuilds ASF data packets from x-asf-pf RTP payloads (MS-RTSP 2.2.1; docs/protocol/rtsp.md#s4): whole packets,
/// several per RTP packet, under either reading of the L length (docs/protocol/rtsp.md#s4.3); fragments joined by
/// offset and closed by the marker bit (docs/protocol/rtsp.md#s4.4); every packet padded to the header's packet size
/// the way <see cref="AsfPacketWriter.Repad"/> does (docs/protocol/rtsp.md#s4.5). Damage is counted, never thrown:
/// sequence gaps, torn packets, oversize packets, bad offsets and lengths. A change of SSRC restarts the sequence check.
/// Buffers are allocated once; pushing and draining allocate nothing. Not thread-safe: one session, one reader.
/// </summary>
public sealed class AsfRtpDepacketizer
{
    private const int ReadingUnknown = 0;
    private const int ReadingIncludesHeader = 1;
    private const int ReadingExcludesHeader = 2;

    private readonly byte[] _slots;
    private readonly int _capacity;
    private readonly byte[] _fragment;
    private int _head;
    private int _count;
    private int _fragmentLength;
    private bool _fragmentActive;
    private bool _discarding;
    private bool _gapPending;
    private ushort _expectedSequence;
    private bool _haveSequence;
    private uint _ssrc;
    private int _reading;

    private long _rtpPackets, _packetsOut, _gaps, _lost, _late, _torn, _oversize, _badOffsets, _badLengths,
        _malformedPayloads, _malformedAsf, _overflows;

    /// <param name="packetSize">The ASF header's packet size (File Properties, docs/protocol/asf.md#s4.3).</param>
    /// <param name="queueCapacity">Packets held until dequeued; 0 = as many as one 64 KiB RTP packet can carry.</param>
    public AsfRtpDepacketizer(int packetSize, int queueCapacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packetSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(packetSize, AsfPayloadHeader.MaxLengthOrOffset);
        PacketSize = packetSize;
        _capacity = queueCapacity > 0 ? queueCapacity : Math.Max(4, (ushort.MaxValue / packetSize) + 2);
        _slots = new byte[checked(_capacity * packetSize)];
        _fragment = new byte[packetSize];
    }

    public int PacketSize { get; }

    /// <summary>Packets waiting to be dequeued.</summary>
    public int Count => _count;

    public AsfRtpDepacketizerStatistics Statistics => new()
    {
        RtpPackets = _rtpPackets, PacketsOut = _packetsOut, SequenceGaps = _gaps, LostRtpPackets = _lost,
        LateOrDuplicate = _late, TornPackets = _torn, OversizePackets = _oversize, BadOffsets = _badOffsets,
        BadLengths = _badLengths, MalformedPayloads = _malformedPayloads, MalformedAsfPackets = _malformedAsf,
        QueueOverflows = _overflows,
    };

    /// <summary>Pushes one whole RTP packet. Throws <see cref="MmsProtocolException"/> only for a malformed RTP header.</summary>
    public void Push(ReadOnlySpan<byte> rtpPacket)
    {
        var header = RtpHeader.Parse(rtpPacket);
        Push(header, header.Payload(rtpPacket));
    }

    /// <summary>Pushes the payload of an RTP packet whose header was already parsed.</summary>
    public void Push(in RtpHeader header, ReadOnlySpan<byte> payload)
    {
        _rtpPackets++;
        if (_haveSequence && header.Ssrc != _ssrc)
        {
            // A new source (the server restarted its carrier): its numbering owes nothing to the old one, and a
            // packet the old source left open will never be finished.
            _haveSequence = false;
            if (_fragmentActive) _torn++;
            _fragmentActive = false;
            _discarding = false;
        }

        _ssrc = header.Ssrc;
        if (_haveSequence)
        {
            int delta = (ushort)(header.SequenceNumber - _expectedSequence);
            if (delta >= 0x8000)
            {
                _late++;
                return;
            }

            if (delta > 0)
            {
                _gaps++;
                _lost += delta;
                if (_fragmentActive)
                {
                    _torn++;
                    _fragmentActive = false;
                    _discarding = true;
                }
                else if (!_discarding)
                {
                    // The lost packets may have begun a fragmented packet: its orphans would show it. (While the rest
                    // of a torn packet is being dropped, a further gap is taken as part of that same packet.)
                    _gapPending = true;
                }
            }
        }

        _expectedSequence = (ushort)(header.SequenceNumber + 1);
        _haveSequence = true;

        if (!AsfPayloadHeader.TryParse(payload, out var first))
        {
            _malformedPayloads++;
            return;
        }

        if (first.HasLength) PushWhole(payload, first);
        else PushFragment(header.Marker, payload, first);
    }

    /// <summary>
    /// The next rebuilt packet, exactly <see cref="PacketSize"/> bytes. The memory is the depacketizer's own and
    /// stays valid until the next <see cref="Push(ReadOnlySpan{byte})"/> or <see cref="Reset"/>.
    /// </summary>
    public bool TryDequeue(out ReadOnlyMemory<byte> packet)
    {
        if (_count == 0)
        {
            packet = default;
            return false;
        }

        packet = new ReadOnlyMemory<byte>(_slots, _head * PacketSize, PacketSize);
        _head = _head + 1 == _capacity ? 0 : _head + 1;
        _count--;
        return true;
    }

    /// <summary>Forgets queued packets, a partial fragment and the sequence state (after a seek: PLAY restarts the numbering, docs/protocol/rtsp.md#s2.6). Counters stay.</summary>
    public void Reset()
    {
        _head = 0;
        _count = 0;
        _fragmentActive = false;
        _discarding = false;
        _gapPending = false;
        _haveSequence = false;
    }

    private void PushFragment(bool marker, ReadOnlySpan<byte> payload, in AsfPayloadHeader header)
    {
        var data = payload[header.Size..];
        int offset = header.LengthOrOffset;
        if (offset == 0)
        {
            if (_fragmentActive) _torn++;
            _fragmentActive = true;
            _discarding = false;
            _gapPending = false;
            _fragmentLength = 0;
        }
        else if (!_fragmentActive)
        {
            // The rest of a packet already counted as torn is dropped quietly; after a gap, an orphan is a packet
            // whose start was lost (torn); any other orphan is a bad offset.
            if (_gapPending)
            {
                _torn++;
                _gapPending = false;
                _discarding = true;
            }
            else if (!_discarding)
            {
                _badOffsets++;
                _discarding = true;
            }

            if (marker) _discarding = false;
            return;
        }
        else if (offset != _fragmentLength)
        {
            _badOffsets++;
            _fragmentActive = false;
            _discarding = !marker;
            return;
        }

        if (_fragmentLength + data.Length > PacketSize)
        {
            _oversize++;
            _fragmentActive = false;
            _discarding = !marker;
            return;
        }

        data.CopyTo(_fragment.AsSpan(_fragmentLength));
        _fragmentLength += data.Length;
        if (!marker) return;
        _fragmentActive = false;
        Emit(_fragment.AsSpan(0, _fragmentLength));
    }

    private void PushWhole(ReadOnlySpan<byte> payload, in AsfPayloadHeader first)
    {
        if (_fragmentActive)
        {
            // A whole packet while a fragmented one is open: the open one lost its last fragment.
            _torn++;
            _fragmentActive = false;
        }

        _discarding = false;
        _gapPending = false;
        int preferred = _reading == ReadingExcludesHeader ? ReadingExcludesHeader : ReadingIncludesHeader;
        int other = preferred == ReadingIncludesHeader ? ReadingExcludesHeader : ReadingIncludesHeader;
        int reading = Tiles(payload, preferred) ? preferred : Tiles(payload, other) ? other : ReadingUnknown;
        if (reading == ReadingUnknown)
        {
            // Neither reading tiles the payload: take the rest as one packet when the length claims at least that
            // much (the smaller of length and remainder, as VLC and GStreamer do), else the lengths lie.
            var rest = payload[first.Size..];
            if (first.LengthOrOffset >= rest.Length && rest.Length > 0) EmitChecked(rest);
            else _badLengths++;
            return;
        }

        _reading = reading;
        int at = 0;
        while (at < payload.Length)
        {
            AsfPayloadHeader.TryParse(payload[at..], out var unit);
            int unitLength = reading == ReadingIncludesHeader ? unit.LengthOrOffset : unit.LengthOrOffset + unit.Size;
            EmitChecked(payload.Slice(at + unit.Size, unitLength - unit.Size));
            at += unitLength;
        }
    }

    /// <summary>True when the payload is exactly a run of L units under <paramref name="reading"/>, each with data.</summary>
    private static bool Tiles(ReadOnlySpan<byte> payload, int reading)
    {
        int at = 0;
        while (at < payload.Length)
        {
            if (!AsfPayloadHeader.TryParse(payload[at..], out var unit) || !unit.HasLength) return false;
            long unitLength = reading == ReadingIncludesHeader ? unit.LengthOrOffset : (long)unit.LengthOrOffset + unit.Size;
            if (unitLength <= unit.Size || unitLength > payload.Length - at) return false;
            at += (int)unitLength;
        }

        return at == payload.Length;
    }

    private void EmitChecked(ReadOnlySpan<byte> data)
    {
        if (data.Length > PacketSize) _oversize++;
        else Emit(data);
    }

    private void Emit(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            _malformedPayloads++;
            return;
        }

        if (_count == _capacity)
        {
            _overflows++;
            return;
        }

        int slot = _head + _count;
        if (slot >= _capacity) slot -= _capacity;
        var destination = _slots.AsSpan(slot * PacketSize, PacketSize);
        if (data.Length == PacketSize)
        {
            data.CopyTo(destination);
        }
        else
        {
            try
            {
                AsfPacketWriter.Repad(data, PacketSize, destination);
            }
            catch (AsfFormatException)
            {
                _malformedAsf++;
                return;
            }
        }

        _count++;
        _packetsOut++;
    }
}
