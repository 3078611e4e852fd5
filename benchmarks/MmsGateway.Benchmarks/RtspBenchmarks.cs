using BenchmarkDotNet.Attributes;
using MmsGateway.Asf.Files;
using MmsGateway.Mms.Rtsp;

namespace MmsGateway.Benchmarks;

/// <summary>
/// ASF over RTP (docs/protocol/rtsp.md#s4): packetizing every packet of a file, whole over TCP ('$' frames) and in
/// 1400-byte fragments for UDP, and rebuilding full-size packets from the RTP packets. Input as in
/// <see cref="FramingBenchmarks"/>: MMSGW_BENCH_ASF (default the multi-bitrate file of <c>benchmarks/make-media.sh</c>),
/// up to 20 000 packets in memory; one operation handles all of them. Throughput = <see cref="Bytes"/> / mean time.
/// Target: at least 1 GB/s per core and 0 B allocated per operation.
/// </summary>
[MemoryDiagnoser]
public class RtspBenchmarks
{
    private const int UdpPayload = 1400;

    private byte[] _packets = [];
    private int _packetSize;
    private int _count;
    private uint[] _sendTimes = [];
    private bool[] _keyFrames = [];
    private byte[] _output = [];
    private byte[] _whole = [];
    private int[] _wholeLengths = [];
    private byte[] _fragments = [];
    private int[] _fragmentLengths = [];
    private int _fragmentCount;
    private AsfRtpPacketizer _packetizer = null!;
    private AsfRtpDepacketizer _depacketizer = null!;

    public long Bytes => (long)_packetSize * _count;

    [GlobalSetup]
    public void Setup()
    {
        var path = Environment.GetEnvironmentVariable("MMSGW_BENCH_ASF") ?? "/tmp/mmsgw-bench/mbr.asf";
        using var file = AsfFile.Open(path);
        _packetSize = file.PacketSize;
        _count = (int)Math.Min(file.PacketCount, 20_000);
        _packets = new byte[_packetSize * _count];
        _sendTimes = new uint[_count];
        _keyFrames = new bool[_count];
        for (var i = 0; i < _count; i++)
        {
            var packet = _packets.AsSpan(i * _packetSize, _packetSize);
            file.ReadPacket(i, packet);
            (_sendTimes[i], _keyFrames[i]) = AsfRtpPacketizer.Describe(packet, _packetSize);
        }

        _packetizer = new AsfRtpPacketizer(0x1A2B3C4D, 1);
        _depacketizer = new AsfRtpDepacketizer(_packetSize);
        _output = new byte[checked(_count * AsfRtpPacketizer.MaxOutputSize(_packetSize, UdpPayload))];

        // RTP packets to rebuild from: whole (TCP) and fragmented (UDP), back to back with their lengths.
        _whole = new byte[_count * (_packetSize + 16)];
        _wholeLengths = new int[_count];
        var lengths = new int[1];
        int at = 0;
        var whole = new AsfRtpPacketizer(1, 0);
        for (var i = 0; i < _count; i++)
        {
            whole.Packetize(_packets.AsSpan(i * _packetSize, _packetSize), _sendTimes[i], _keyFrames[i], _whole.AsSpan(at), lengths);
            _wholeLengths[i] = lengths[0];
            at += lengths[0];
        }

        var fragmenter = new AsfRtpPacketizer(1, 0, maxRtpPayload: UdpPayload);
        int perPacket = (_packetSize / (UdpPayload - 4)) + 1;
        _fragments = new byte[_count * AsfRtpPacketizer.MaxOutputSize(_packetSize, UdpPayload)];
        _fragmentLengths = new int[_count * perPacket];
        at = 0;
        for (var i = 0; i < _count; i++)
        {
            int made = fragmenter.Packetize(_packets.AsSpan(i * _packetSize, _packetSize), _sendTimes[i], _keyFrames[i], _fragments.AsSpan(at),
                _fragmentLengths.AsSpan(_fragmentCount));
            for (int k = 0; k < made; k++) at += _fragmentLengths[_fragmentCount + k];
            _fragmentCount += made;
        }

        Console.WriteLine($"// {Bytes} bytes in {_count} packets of {_packetSize}; {_fragmentCount} UDP fragments");
    }

    /// <summary>Each ASF packet described (send time, key frame) and written whole into a '$' frame (TCP).</summary>
    [Benchmark]
    public int PacketizeInterleaved()
    {
        int at = 0;
        for (var i = 0; i < _count; i++)
        {
            var packet = _packets.AsSpan(i * _packetSize, _packetSize);
            var (sendTime, key) = AsfRtpPacketizer.Describe(packet, _packetSize);
            at += _packetizer.PacketizeInterleaved(packet, sendTime, key, 0, _output.AsSpan(at));
        }

        return at;
    }

    /// <summary>Each ASF packet cut into 1400-byte RTP fragments (UDP); send time and key flag precomputed.</summary>
    [Benchmark]
    public int PacketizeFragments()
    {
        Span<int> lengths = stackalloc int[64];
        int at = 0;
        var packetizer = _packetizer;
        for (var i = 0; i < _count; i++)
        {
            int made = packetizer.Packetize(_packets.AsSpan(i * _packetSize, _packetSize), _sendTimes[i], _keyFrames[i], _output.AsSpan(at), lengths);
            for (int k = 0; k < made; k++) at += lengths[k];
        }

        return at;
    }

    /// <summary>Whole-packet RTP (one per RTP packet, L set) rebuilt into full-size packets and drained.</summary>
    [Benchmark]
    public long DepacketizeWhole()
    {
        _depacketizer.Reset();
        long bytes = 0;
        int at = 0;
        for (var i = 0; i < _count; i++)
        {
            _depacketizer.Push(_whole.AsSpan(at, _wholeLengths[i]));
            at += _wholeLengths[i];
            while (_depacketizer.TryDequeue(out var packet)) bytes += packet.Length;
        }

        return bytes;
    }

    /// <summary>1400-byte fragments joined by offset and marker into full-size packets and drained.</summary>
    [Benchmark]
    public long DepacketizeFragments()
    {
        _depacketizer.Reset();
        long bytes = 0;
        int at = 0;
        for (var i = 0; i < _fragmentCount; i++)
        {
            _depacketizer.Push(_fragments.AsSpan(at, _fragmentLengths[i]));
            at += _fragmentLengths[i];
            while (_depacketizer.TryDequeue(out var packet)) bytes += packet.Length;
        }

        return bytes;
    }
}
