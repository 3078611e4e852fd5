using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using MmsGateway.Asf;

namespace MmsGateway.Asf.Files;

/// <summary>
/// Copies an ASF file keeping a subset of its streams (the file-to-file form of <c>record --streams</c>).
/// </summary>
/// <remarks>
/// Built for speed on large files (benchmarks/README.md, "Remux"): the input is read in 1 MiB runs of whole packets
/// (sequential-scan hint), each run is filtered in place (one parse per packet, shared by the filter and the index)
/// and handed to a dedicated writer thread, so reading and writing overlap on two cores. Four buffers circulate between the
/// two sides; nothing is allocated per packet. The Simple Index is built on the way and appended at the end, and the
/// header is patched in place: no second pass over the data.
/// </remarks>
public static class AsfRemux
{
    private const int RunBytes = 1 << 20;
    private const int Buffers = 4;

    public static async Task<AsfRemuxResult> RemuxAsync(string inputPath, string outputPath, AsfStreamSet keep, CancellationToken cancellationToken)
    {
        using var input = AsfFile.Open(inputPath, sequential: true);
        // Unbuffered: every write is a whole run already.
        await using var output = new FileStream(outputPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        await using var writer = new AsfFileWriter(output, input.Header, keep);
        await writer.WriteHeaderAsync(cancellationToken).ConfigureAwait(false);

        var runLength = Math.Max(1, RunBytes / input.PacketSize) * input.PacketSize;
        using var free = new BlockingCollection<byte[]>(Buffers);
        using var full = new BlockingCollection<(byte[] Buffer, int Length)>(Buffers);
        for (var i = 0; i < Buffers; i++) free.Add(GC.AllocateUninitializedArray<byte>(runLength), cancellationToken);

        // A dedicated thread, not the thread pool: a hand-off per megabyte through pool tasks made the idle workers
        // spin (sched_yield) for longer than the copy itself took.
        ExceptionDispatchInfo? writeError = null;
        var writing = new Thread(() =>
        {
            try
            {
                foreach (var (buffer, length) in full.GetConsumingEnumerable(cancellationToken))
                {
                    output.Write(buffer, 0, length);
                    free.Add(buffer, cancellationToken);
                }
            }
            catch (Exception e)
            {
                writeError = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                // Ends the reading side's wait for a buffer when writing fails (a full disk); the error surfaces below.
                free.CompleteAdding();
            }
        }) { Name = "asf-remux-writer", IsBackground = true };
        writing.Start();

        try
        {
            for (long next = 0; next < input.PacketCount;)
            {
                if (!free.TryTake(out var buffer, Timeout.Infinite, cancellationToken)) break;
                var count = input.ReadPackets(next, buffer);
                next += count;
                var length = writer.FilterInPlace(buffer, count);
                full.Add((buffer, length), cancellationToken);
            }
        }
        finally
        {
            full.CompleteAdding();
            // The output stays open until the writer is done with it, also when the reading side failed.
            writing.Join();
        }
        writeError?.Throw();

        var fp = input.Header.FileProperties;
        await writer.CompleteAsync(fp.PlayDuration, fp.SendDuration, cancellationToken).ConfigureAwait(false);
        return new AsfRemuxResult(input.PacketCount, writer.PacketsWritten, writer.PacketsDropped);
    }
}

public sealed record AsfRemuxResult(long PacketsRead, long PacketsWritten, long PacketsDropped);
