using MmsGateway.Asf;

namespace MmsGateway.Mms.Files;

/// <summary>Copies an ASF file keeping a subset of its streams (the file-to-file form of <c>record --streams</c>).</summary>
public static class AsfRemux
{
    public static async Task<AsfRemuxResult> RemuxAsync(string inputPath, string outputPath, AsfStreamSet keep, CancellationToken cancellationToken)
    {
        using var input = AsfFile.Open(inputPath);
        await using var output = new FileStream(outputPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 20, useAsync: true);
        await using var writer = new AsfFileWriter(output, input.Header, keep);
        await writer.WriteHeaderAsync(cancellationToken).ConfigureAwait(false);

        var buffer = new byte[Math.Max(1, (1 << 20) / input.PacketSize) * input.PacketSize];
        for (long next = 0; next < input.PacketCount;)
        {
            var count = await input.ReadPacketsAsync(next, buffer, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < count; i++)
                await writer.WritePacketAsync(buffer.AsMemory(i * input.PacketSize, input.PacketSize), cancellationToken).ConfigureAwait(false);
            next += count;
        }

        var fp = input.Header.FileProperties;
        await writer.CompleteAsync(fp.PlayDuration, fp.SendDuration, cancellationToken).ConfigureAwait(false);
        return new AsfRemuxResult(input.PacketCount, writer.PacketsWritten, writer.PacketsDropped);
    }
}

public sealed record AsfRemuxResult(long PacketsRead, long PacketsWritten, long PacketsDropped);
