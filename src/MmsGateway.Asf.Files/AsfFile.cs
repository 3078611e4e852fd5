using Microsoft.Win32.SafeHandles;
using MmsGateway.Asf;
using MmsGateway.Asf.Indexing;

namespace MmsGateway.Asf.Files;

/// <summary>
/// An ASF file on disk, opened for positional reads: the parsed header, where the packets are, and the Simple
/// Index if one follows the data. Reads never trust the Data Object's declared size beyond the file's real length,
/// so a truncated file is served up to its last whole packet.
/// </summary>
public sealed class AsfFile : IDisposable
{
    private readonly SafeFileHandle _handle;

    private AsfFile(SafeFileHandle handle, string path, long length)
    {
        _handle = handle;
        Path = path;
        Length = length;
    }

    public string Path { get; }
    public long Length { get; }
    public required AsfHeader Header { get; init; }

    /// <summary>The Data Object header, or null for a header-only file (what an MMSH Describe returns).</summary>
    public AsfDataObjectHeader? DataObject { get; init; }

    /// <summary>File offset of packet 0.</summary>
    public long DataStart { get; init; }

    /// <summary>Whole packets present: the declared count, bounded by the Data Object and the file length.</summary>
    public long PacketCount { get; init; }

    /// <summary>True when the file holds fewer packets than its header or Data Object declares.</summary>
    public bool IsTruncated { get; init; }

    public SimpleIndex? SimpleIndex { get; init; }

    public int PacketSize => Header.PacketSize;

    /// <summary>Opens <paramref name="path"/>; <paramref name="sequential"/> hints the kernel to read ahead (a whole-file copy).</summary>
    public static AsfFile Open(string path, bool sequential = false)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, sequential ? FileOptions.SequentialScan : FileOptions.RandomAccess);
        try
        {
            return Read(handle, path);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static AsfFile Read(SafeFileHandle handle, string path)
    {
        var length = RandomAccess.GetLength(handle);
        Span<byte> fixedPart = stackalloc byte[AsfHeaderReader.HeaderObjectFixedSize];
        var got = RandomAccess.Read(handle, fixedPart, 0);
        var headerSize = AsfHeaderReader.ReadHeaderObjectSize(fixedPart[..got]);
        if (headerSize > length)
            throw new AsfFormatException("Header", 16, $"object size {headerSize} exceeds the file's {length} bytes (truncated)");

        var buffer = new byte[headerSize + AsfDataObjectHeader.Size];
        var read = ReadFully(handle, buffer, 0);
        var header = AsfHeaderReader.Parse(buffer.AsSpan(0, read));
        var packetSize = header.PacketSize;

        AsfDataObjectHeader? dataObject = null;
        long packetCount = 0, dataStart = headerSize;
        var truncated = false;
        SimpleIndex? index = null;
        if (AsfDataObjectHeader.TryRead(buffer.AsSpan(headerSize, read - headerSize), headerSize, out var data))
        {
            dataObject = data;
            dataStart = headerSize + AsfDataObjectHeader.Size;
            var available = (length - dataStart) / packetSize;
            var declaredBySize = data.ObjectSize >= AsfDataObjectHeader.Size
                ? (long)Math.Min((data.ObjectSize - AsfDataObjectHeader.Size) / (ulong)packetSize, long.MaxValue)
                : 0;
            // Broadcast captures and live dumps carry invalid counts (docs/protocol/asf.md#s4.1, docs/protocol/asf.md#s4.3): use what is there.
            var declared = header.IsBroadcast || data.ObjectSize <= AsfDataObjectHeader.Size
                ? available
                : Math.Min(declaredBySize, (long)Math.Min(data.TotalDataPackets == 0 ? ulong.MaxValue : data.TotalDataPackets, long.MaxValue));
            packetCount = Math.Min(declared, available);
            truncated = declared > available;
            index = ReadSimpleIndex(handle, length, dataStart + (long)packetCount * packetSize, truncated);
        }

        return new AsfFile(handle, path, length)
        {
            Header = header,
            DataObject = dataObject,
            DataStart = dataStart,
            PacketCount = packetCount,
            IsTruncated = truncated,
            SimpleIndex = index,
        };
    }

    /// <summary>Looks for the first Simple Index among the top-level objects after the data.</summary>
    private static SimpleIndex? ReadSimpleIndex(SafeFileHandle handle, long length, long position, bool truncated)
    {
        if (truncated) return null;
        Span<byte> objectHeader = stackalloc byte[24];
        while (position + 24 <= length)
        {
            if (RandomAccess.Read(handle, objectHeader, position) < 24) return null;
            var id = new Guid(objectHeader[..16]);
            var size = BitConverter.ToUInt64(objectHeader[16..]);
            if (size < 24 || size > (ulong)(length - position)) return null;
            if (id == AsfGuids.SimpleIndex)
            {
                if (size > 64 * 1024 * 1024) return null;
                var bytes = new byte[size];
                ReadFully(handle, bytes, position);
                return SimpleIndex.Read(bytes, position);
            }
            position += (long)size;
        }
        return null;
    }

    /// <summary>Reads packet <paramref name="index"/> into <paramref name="destination"/> (at least <see cref="PacketSize"/> bytes).</summary>
    public void ReadPacket(long index, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, PacketCount);
        var target = destination[..PacketSize];
        var offset = DataStart + index * PacketSize;
        var total = 0;
        while (total < target.Length)
        {
            var n = RandomAccess.Read(_handle, target[total..], offset + total);
            if (n == 0) throw new AsfFormatException("Data", offset + total, "file ended inside a packet");
            total += n;
        }
    }

    /// <summary>Reads whole packets starting at <paramref name="firstIndex"/>; returns how many were read.</summary>
    public async ValueTask<int> ReadPacketsAsync(long firstIndex, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var count = (int)Math.Min(destination.Length / PacketSize, PacketCount - firstIndex);
        if (count <= 0) return 0;
        var target = destination[..(count * PacketSize)];
        var offset = DataStart + firstIndex * PacketSize;
        var total = 0;
        while (total < target.Length)
        {
            var n = await RandomAccess.ReadAsync(_handle, target[total..], offset + total, cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new AsfFormatException("Data", offset + total, "file ended inside a packet");
            total += n;
        }
        return count;
    }

    /// <summary>Synchronous <see cref="ReadPacketsAsync"/> for a copy loop on its own thread (no task per read).</summary>
    public int ReadPackets(long firstIndex, Span<byte> destination)
    {
        var count = (int)Math.Min(destination.Length / PacketSize, PacketCount - firstIndex);
        if (count <= 0) return 0;
        var target = destination[..(count * PacketSize)];
        var offset = DataStart + firstIndex * PacketSize;
        var read = ReadFully(_handle, target, offset);
        if (read < target.Length) throw new AsfFormatException("Data", offset + read, "file ended inside a packet");
        return count;
    }

    /// <summary>The ASF header as MMS sends it: Header Object + the first 50 bytes of the Data Object.</summary>
    public byte[] ReadMmsHeader()
    {
        var size = Header.Raw.Length + AsfDataObjectHeader.Size;
        var bytes = new byte[size];
        var read = ReadFully(_handle, bytes, 0);
        if (read < size) throw new AsfFormatException("Data", Header.Raw.Length, "the file has no Data Object");
        return bytes;
    }

    private static int ReadFully(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    public void Dispose() => _handle.Dispose();
}
