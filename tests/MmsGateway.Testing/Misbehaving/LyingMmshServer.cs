using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace MmsGateway.Testing.Misbehaving;

/// <summary>What <see cref="LyingMmshServer"/> does after a correct Describe and the Play response's <c>$H</c>.</summary>
public enum MmshLie
{
    /// <summary>Random bytes where the next framing header should be.</summary>
    GarbageAfterHeader,

    /// <summary>Nothing at all, the connection kept open.</summary>
    StallAfterHeader,

    /// <summary>A <c>$D</c> whose PacketLength (MS-WMSP 2.2.3.1.1) promises 65535 bytes; 100 come, then nothing.</summary>
    DataLongerThanSent,

    /// <summary><c>$D</c> chunks forever whose payloads are ten times the header's packet size.</summary>
    DataLargerThanPacketSize,

    /// <summary>Describe's <c>$H</c> pieces never end: each says more follows (AFFlags 0x04, MS-WMSP 2.2.3.1.2).</summary>
    HeaderNeverEnds,

    /// <summary>The Play response's body ends right after its <c>$H</c>: no <c>$D</c>, no <c>$E</c>, the connection closed.</summary>
    EndAfterHeader,
}

/// <summary>
/// An MMSH (MS-WMSP) server of our own that answers Describe correctly (status, client-id, broadcast feature, the
/// ASF header in one <c>$H</c>, docs/protocol/mmsh.md#s2.6) and then lies in the Play response (docs/protocol/mmsh.md#s2.7) as
/// <see cref="MmshLie"/> says. The framing is written here by hand (not with the gateway's own writer) so a bug in
/// that writer cannot hide the lie.
/// </summary>
public static class LyingMmshServer
{
    public static MisbehavingServer Start(byte[] asfHeader, MmshLie lie) =>
        MisbehavingServer.Start((socket, ct) => ServeAsync(socket, asfHeader, lie, ct));

    /// <summary>The ASF Header Object at the start of an ASF file (its size is the QWORD at offset 16).</summary>
    public static byte[] HeaderOf(string asfFile)
    {
        var bytes = File.ReadAllBytes(asfFile);
        return bytes[..checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16)))];
    }

    private static async Task ServeAsync(Socket socket, byte[] asfHeader, MmshLie lie, CancellationToken ct)
    {
        var request = await ReadRequestHeadAsync(socket, ct).ConfigureAwait(false);
        var play = request.Contains("xPlayStrm=1", StringComparison.OrdinalIgnoreCase);
        var head = "HTTP/1.0 200 OK\r\nServer: Cougar/9.01.01.3814\r\nContent-Type: application/x-mms-framed\r\n" +
            "Cache-Control: no-cache\r\nPragma: no-cache,client-id=3120751,features=\"broadcast\",timeout=60000\r\n\r\n";
        await SendAsync(socket, Encoding.ASCII.GetBytes(head), ct).ConfigureAwait(false);
        if (lie == MmshLie.HeaderNeverEnds)
        {
            // 32000-byte pieces: the header, then zeros. A client must stop at its header size limit.
            var piece = new byte[32000];
            asfHeader.AsSpan(0, Math.Min(asfHeader.Length, piece.Length)).CopyTo(piece);
            for (uint location = 0; !ct.IsCancellationRequested; location++)
            {
                await SendAsync(socket, Chunk((byte)'H', location, 0x04, piece), ct).ConfigureAwait(false);
                await Task.Delay(5, ct).ConfigureAwait(false);
            }
            return;
        }
        await SendAsync(socket, Chunk((byte)'H', 0, 0x0C, asfHeader), ct).ConfigureAwait(false);
        if (!play)
        {
            socket.Shutdown(SocketShutdown.Send); // non-pipelined Describe: the body ends after the $H
            return;
        }

        switch (lie)
        {
            case MmshLie.GarbageAfterHeader:
                var garbage = new byte[4096];
                while (!ct.IsCancellationRequested)
                {
                    Random.Shared.NextBytes(garbage);
                    garbage[0] = 0x5A; // never '$', so the very first byte is already wrong
                    await SendAsync(socket, garbage, ct).ConfigureAwait(false);
                    await Task.Delay(50, ct).ConfigureAwait(false);
                }
                break;
            case MmshLie.EndAfterHeader:
                socket.Shutdown(SocketShutdown.Send);
                break;
            case MmshLie.StallAfterHeader:
                await MisbehavingServer.DrainAsync(socket, ct).ConfigureAwait(false);
                break;
            case MmshLie.DataLongerThanSent:
                var lying = new byte[4 + 8 + 100];
                lying[0] = (byte)'$';
                lying[1] = (byte)'D';
                BinaryPrimitives.WriteUInt16LittleEndian(lying.AsSpan(2), ushort.MaxValue);
                BinaryPrimitives.WriteUInt16LittleEndian(lying.AsSpan(10), ushort.MaxValue);
                await SendAsync(socket, lying, ct).ConfigureAwait(false);
                await MisbehavingServer.DrainAsync(socket, ct).ConfigureAwait(false);
                break;
            case MmshLie.DataLargerThanPacketSize:
                var packetSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(asfHeader.AsSpan(FilePropertiesOffset(asfHeader) + 92));
                var payload = new byte[Math.Min(packetSize * 10, ushort.MaxValue - 8)];
                for (uint location = 0; !ct.IsCancellationRequested; location++)
                {
                    await SendAsync(socket, Chunk((byte)'D', location, 0, payload), ct).ConfigureAwait(false);
                    await Task.Delay(20, ct).ConfigureAwait(false);
                }
                break;
        }
    }

    /// <summary>A <c>$H</c>/<c>$D</c> chunk: framing header, the 8-byte data packet preheader, the payload (docs/protocol/mmsh.md#s2.3).</summary>
    private static byte[] Chunk(byte type, uint locationId, byte afFlags, ReadOnlySpan<byte> payload)
    {
        var length = checked((ushort)(8 + payload.Length));
        var chunk = new byte[4 + length];
        chunk[0] = (byte)'$';
        chunk[1] = type;
        BinaryPrimitives.WriteUInt16LittleEndian(chunk.AsSpan(2), length);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), locationId);
        chunk[8] = 0; // incarnation
        chunk[9] = afFlags;
        BinaryPrimitives.WriteUInt16LittleEndian(chunk.AsSpan(10), length); // PacketSize repeats PacketLength (docs/protocol/interop.md#s10.13)
        payload.CopyTo(chunk.AsSpan(12));
        return chunk;
    }

    /// <summary>Offset of the File Properties Object (GUID 8CABDCA1-A947-11CF-8EE4-00C00C205365) in the header.</summary>
    private static int FilePropertiesOffset(byte[] header)
    {
        var guid = new Guid("8CABDCA1-A947-11CF-8EE4-00C00C205365").ToByteArray();
        for (var at = 30; at + 24 <= header.Length;)
        {
            if (header.AsSpan(at, 16).SequenceEqual(guid)) return at;
            at += checked((int)BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(at + 16)));
        }
        throw new InvalidDataException("the ASF header has no File Properties Object");
    }

    private static async Task<string> ReadRequestHeadAsync(Socket socket, CancellationToken ct)
    {
        var received = new List<byte>();
        var buffer = new byte[2048];
        while (received.Count < 64 * 1024)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
            if (n == 0) break;
            received.AddRange(buffer.AsSpan(0, n));
            var text = Encoding.Latin1.GetString(received.ToArray());
            if (text.Contains("\r\n\r\n", StringComparison.Ordinal)) return text;
        }
        return Encoding.Latin1.GetString(received.ToArray());
    }

    private static async Task SendAsync(Socket socket, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        while (!bytes.IsEmpty)
        {
            var n = await socket.SendAsync(bytes, SocketFlags.None, ct).ConfigureAwait(false);
            bytes = bytes[n..];
        }
    }
}
