using System.Buffers;
using System.Net.Sockets;
using MmsGateway.Mms.Mmsh;
using MmsGateway.Mms.Mmst;

namespace MmsGateway.Origin.Tests;

/// <summary>What a raw MMSH Play returned: the response head and the chunks, payloads copied out.</summary>
public sealed record RawPlay(MmshResponse Response, IReadOnlyList<(MmshChunkType Type, uint LocationId, byte[] Payload)> Chunks, long Bytes, bool Ended);

/// <summary>
/// Speaks MMSH at the byte level with the project's codecs, to check what the origin puts on the wire
/// (selection, thinning, seek, pacing). Interoperability itself is proven with ffmpeg, VLC and MediaInfo.
/// </summary>
public static class RawMmsh
{
    public static async Task<RawPlay> PlayAsync(int port, string path, IReadOnlyCollection<StreamSwitchEntry> entries,
        uint? streamTimeMs, TimeSpan readFor, CancellationToken ct = default)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, ct);
        var stream = client.GetStream();
        var request = new ArrayBufferWriter<byte>();
        new MmshClientRequest(path, $"127.0.0.1:{port}", "{c77e7400-738a-11d2-9add-0020af0a3278}").WritePlay(request, entries, streamTimeMs);
        await stream.WriteAsync(request.WrittenMemory, ct);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(readFor);
        var buffer = new ArrayBufferWriter<byte>();
        MmshResponse? response = null;
        var chunks = new List<(MmshChunkType, uint, byte[])>();
        long bytes = 0;
        var consumed = 0;
        var ended = false;
        try
        {
            while (!ended)
            {
                var memory = buffer.GetMemory(64 * 1024);
                var n = await stream.ReadAsync(memory, deadline.Token);
                if (n == 0) break;
                buffer.Advance(n);
                bytes += n;
                var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(buffer.WrittenMemory[consumed..]));
                if (response is null && !MmshResponse.TryParse(ref reader, out response)) continue;
                if (response.StatusCode != 200) break; // an error body is text, not $-framed
                while (MmshFraming.TryReadChunk(ref reader, out var chunk))
                {
                    chunks.Add((chunk.Type, chunk.HasPreheader ? chunk.Preheader.LocationId : 0, chunk.Payload.ToArray()));
                    if (chunk.Type == MmshChunkType.EndOfStream) ended = true;
                }
                consumed += (int)reader.Consumed;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        return new RawPlay(response ?? throw new InvalidOperationException("no response head"), chunks, bytes, ended);
    }
}
