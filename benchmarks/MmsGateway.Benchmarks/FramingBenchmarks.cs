using System.Buffers;
using BenchmarkDotNet.Attributes;
using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Files;
using MmsGateway.Mms.Mmsh;
using MmsGateway.Mms.Mmst;

namespace MmsGateway.Benchmarks;

/// <summary>
/// MMST and MMSH framing of the same packets, both directions, header rewriting, and the remux filter (performance targets,
/// "Micro"). The input is the file named by MMSGW_BENCH_ASF (default: the multi-bitrate file of
/// <c>benchmarks/make-media.sh</c>), up to 20 000 packets held in memory; one operation handles all of them.
/// Throughput = <see cref="Bytes"/> / mean time.
/// </summary>
[MemoryDiagnoser]
public class FramingBenchmarks
{
    private byte[] _packets = [];
    private int _packetSize;
    private int _count;
    private ReadOnlySequence<byte> _mmstStream;
    private ReadOnlySequence<byte> _mmshStream;
    private ArrayBufferWriter<byte> _sink = new();
    private AsfHeader _header = null!;
    private AsfStreamSet _keep;
    private byte[] _work = [];
    private string _dir = "";

    public long Bytes => (long)_packetSize * _count;

    [GlobalSetup]
    public void Setup()
    {
        var path = Environment.GetEnvironmentVariable("MMSGW_BENCH_ASF") ?? "/tmp/mmsgw-bench/mbr.asf";
        using var file = AsfFile.Open(path);
        _header = file.Header;
        _packetSize = file.PacketSize;
        _count = (int)Math.Min(file.PacketCount, 20_000);
        _packets = new byte[_packetSize * _count];
        for (var i = 0; i < _count; i++) file.ReadPacket(i, _packets.AsSpan(i * _packetSize, _packetSize));
        _sink = new ArrayBufferWriter<byte>(_packets.Length * 2);
        WriteMmst();
        _mmstStream = new ReadOnlySequence<byte>(_sink.WrittenMemory.ToArray());
        WriteMmsh();
        _mmshStream = new ReadOnlySequence<byte>(_sink.WrittenMemory.ToArray());
        var videos = _header.Streams.Where(s => s.Type == AsfStreamType.Video).Select(s => s.StreamNumber).ToList();
        _keep = AsfStreamSet.Of(_header.Streams.Select(s => s.StreamNumber).Where(n => n != videos[^1]));
        _work = new byte[_packets.Length];
        _dir = Directory.CreateTempSubdirectory("mmsgw-framing-").FullName;
        Console.WriteLine($"// {Bytes} bytes in {_count} packets of {_packetSize}");
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>MMST data packets (MS-MMSP 2.2.2, 8-byte preheader) written into a buffer writer.</summary>
    [Benchmark]
    public int WriteMmst()
    {
        _sink.ResetWrittenCount();
        for (var i = 0; i < _count; i++)
            MmstFraming.WriteDataPacket(_sink, (uint)i, 1, 0, _packets.AsSpan(i * _packetSize, _packetSize));
        return _sink.WrittenCount;
    }

    /// <summary>MMST PDUs read back from one contiguous buffer (what the session's pipe reader sees).</summary>
    [Benchmark]
    public long ReadMmst()
    {
        var reader = new SequenceReader<byte>(_mmstStream);
        long payload = 0;
        while (MmstFraming.TryReadPdu(ref reader, out var pdu)) payload += pdu.Packet.Length;
        return payload;
    }

    /// <summary>MMSH <c>$D</c> chunks (MS-WMSP 2.2.3.2) written into a buffer writer.</summary>
    [Benchmark]
    public int WriteMmsh()
    {
        _sink.ResetWrittenCount();
        for (var i = 0; i < _count; i++)
            MmshFraming.WriteData(_sink, (uint)i, 0, 0, _packets.AsSpan(i * _packetSize, _packetSize));
        return _sink.WrittenCount;
    }

    /// <summary>MMSH chunks read back.</summary>
    [Benchmark]
    public long ReadMmsh()
    {
        var reader = new SequenceReader<byte>(_mmshStream);
        long chunks = 0;
        while (MmshFraming.TryReadChunk(ref reader, out _)) chunks++;
        return chunks;
    }

    /// <summary>The header a viewer gets: one video stream dropped, broadcast layout (once per viewer, not per packet).</summary>
    [Benchmark(OperationsPerInvoke = 1)]
    public int RewriteHeader() => AsfHeaderWriter.Write(_header, _keep, new AsfDataLayout.Broadcast()).Length;

    /// <summary>The remux inner loop: filter every packet in place (one video stream dropped) and track the index, no I/O.</summary>
    [Benchmark]
    public int RemuxFilterInPlace()
    {
        _packets.CopyTo(_work, 0);
        using var output = new FileStream(Path.Combine(_dir, "x.asf"), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0);
        var writer = new AsfFileWriter(output, _header, _keep);
        writer.WriteHeaderAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        var bytes = writer.FilterInPlace(_work, _count);
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return bytes;
    }
}
