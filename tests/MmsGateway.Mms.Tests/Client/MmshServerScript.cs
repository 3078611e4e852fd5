using System.Buffers;
using System.Text;
using MmsGateway.Mms.Mmsh;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>Server side of MMSH exchanges for scripted tests (docs/protocol/mmsh.md#s2.6, docs/protocol/mmsh.md#s2.7, docs/protocol/servers.md#s3.2), built with the codecs.</summary>
internal static class MmshServerScript
{
    public static async Task<MmshRequest> ReadRequestAsync(ScriptedPeer peer)
    {
        string head = await peer.ReadHttpHeadAsync();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head)));
        Assert.True(MmshRequest.TryParse(ref reader, out MmshRequest? request));
        return request;
    }

    /// <summary>A response head; <paramref name="body"/> null = close-delimited body written by the caller.</summary>
    public static string Head(int status, string reason, string pragma, string contentType, long? contentLength = null,
        bool chunked = false, string? extra = null)
    {
        var head = new StringBuilder();
        head.Append("HTTP/1.0 ").Append(status).Append(' ').Append(reason).Append("\r\n");
        head.Append("Server: Cougar/4.1.0.3925\r\nCache-Control: no-cache\r\n");
        head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        if (contentLength is long length) head.Append("Content-Length: ").Append(length).Append("\r\n");
        if (chunked) head.Append("Transfer-Encoding: chunked\r\n");
        if (pragma.Length > 0) head.Append("Pragma: ").Append(pragma).Append("\r\n");
        if (extra is not null) head.Append(extra);
        head.Append("Connection: close\r\n\r\n");
        return head.ToString();
    }

    public static byte[] HeaderChunk(byte[] asfHeader)
    {
        var writer = new ArrayBufferWriter<byte>();
        MmshFraming.WriteHeader(writer, asfHeader);
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] DataChunk(uint locationId, byte[] packet)
    {
        var writer = new ArrayBufferWriter<byte>();
        MmshFraming.WriteData(writer, locationId, 0, (byte)locationId, packet);
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] End(uint reason = MmshReason.Finished)
    {
        var writer = new ArrayBufferWriter<byte>();
        MmshFraming.WriteEndOfStream(writer, reason);
        return writer.WrittenSpan.ToArray();
    }

    public static byte[] Change()
    {
        var writer = new ArrayBufferWriter<byte>();
        MmshFraming.WriteStreamChange(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A <c>$M</c> metadata chunk (skipped by clients below 9.0 that get one anyway).</summary>
    public static byte[] Metadata(string text)
    {
        byte[] payload = [.. Encoding.ASCII.GetBytes(text), 0];
        byte[] chunk = new byte[MmshFraming.DataPrefixSize + payload.Length];
        MmshFraming.WriteDataPrefix(chunk, MmshChunkType.Metadata, 0, 0, MmsDataPacketFlags.HeaderPieceFinal,
            payload.Length);
        payload.CopyTo(chunk, MmshFraming.DataPrefixSize);
        return chunk;
    }

    /// <summary>An unknown chunk type, which clients skip by its length (docs/protocol/mmsh.md#s2.9).</summary>
    public static byte[] Unknown() => [0x24, (byte)'X', 3, 0, 1, 2, 3];

    /// <summary>HTTP/1.1 chunked coding with chunks of <paramref name="chunkSize"/> bytes, an extension and a trailer.</summary>
    public static byte[] Chunked(byte[] body, int chunkSize)
    {
        var output = new List<byte>();
        for (int offset = 0; offset < body.Length; offset += chunkSize)
        {
            int length = Math.Min(chunkSize, body.Length - offset);
            output.AddRange(Encoding.ASCII.GetBytes($"{length:x};note=1\r\n"));
            output.AddRange(body.AsSpan(offset, length));
            output.AddRange("\r\n"u8);
        }

        output.AddRange("0\r\nX-Trailer: 1\r\n\r\n"u8);
        return [.. output];
    }
}
