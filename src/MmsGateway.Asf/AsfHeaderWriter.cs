using System.Buffers.Binary;

namespace MmsGateway.Asf;

/// <summary>How the rewritten header should describe the data that follows it.</summary>
public abstract record AsfDataLayout
{
    /// <summary>A live broadcast: the values real WMS live headers carry (docs/protocol/asf.md#s4.3, docs/protocol/interop.md#s10.34).</summary>
    public sealed record Broadcast : AsfDataLayout;

    /// <summary>A finished file of <paramref name="PacketCount"/> packets, with its index size and durations.</summary>
    public sealed record File(ulong PacketCount, ulong PlayDuration, ulong SendDuration, int IndexBytes) : AsfDataLayout;

    /// <summary>Keep the source header's sizes and counts (for a subset served on demand from a whole file).</summary>
    public sealed record Unchanged : AsfDataLayout;
}

/// <summary>
/// Writes an ASF header (Header Object + the 50-byte Data Object header, what MMS calls the "ASF file header")
/// for a subset of the source's streams. Objects about removed streams are dropped or trimmed (Stream Properties,
/// Extended Stream Properties, bitrate records, mutual-exclusion members, priorities, bandwidth sharing);
/// everything else, including objects we do not understand, is copied byte for byte.
/// </summary>
public static class AsfHeaderWriter
{
    /// <summary>File Properties flag bit 3: present in every real live header, meaning undocumented: copy it (docs/protocol/interop.md#s11.18).</summary>
    private const uint LiveReservedFlag = 0x08;

    public static byte[] Write(AsfHeader source, AsfStreamSet keep, AsfDataLayout layout)
    {
        var raw = source.Raw.Span;
        var output = new GrowableBuffer(raw.Length + AsfDataObjectHeader.Size);
        output.Reserve(AsfHeaderReader.HeaderObjectFixedSize);
        var count = 0;
        var filePropertiesAt = -1;

        foreach (var obj in source.Objects)
        {
            var bytes = raw.Slice(obj.Offset, obj.Length);
            var id = obj.Id;
            if (id == AsfGuids.StreamProperties)
            {
                if (!keep.Contains(Objects.StreamProperties.ReadStreamNumber(bytes))) continue;
                Append(output, bytes);
            }
            else if (id == AsfGuids.FileProperties)
            {
                filePropertiesAt = output.Length;
                Append(output, bytes);
            }
            else if (id == AsfGuids.HeaderExtension) WriteHeaderExtension(output, source, bytes, obj.Offset, keep);
            else if (id == AsfGuids.StreamBitrateProperties)
            {
                if (!WriteRecords(output, bytes, 24, 6, keep)) continue;
            }
            else if (id == AsfGuids.BitrateMutualExclusion)
            {
                if (!WriteStreamList(output, bytes, 40, keep)) continue;
            }
            else Append(output, bytes);
            count++;
        }

        var header = output.Written;
        var headerSize = header.Length;
        WriteObjectHeader(header, AsfGuids.Header, (ulong)headerSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], (uint)count);
        header[28] = raw[28];
        header[29] = raw[29];

        var fp = source.FileProperties;
        ulong totalPackets = 0, dataObjectSize = AsfDataObjectHeader.Size;
        if (filePropertiesAt >= 0)
        {
            var f = header.Slice(filePropertiesAt, Objects.FileProperties.ObjectSize);
            switch (layout)
            {
                case AsfDataLayout.Broadcast:
                    // Flags 0x09, packets 0xFFFFFFFF, durations 0, file size = header + 50 (docs/protocol/asf.md#s4.3).
                    BinaryPrimitives.WriteUInt64LittleEndian(f[Objects.FileProperties.FileSizeOffset..], (ulong)headerSize + AsfDataObjectHeader.Size);
                    BinaryPrimitives.WriteUInt64LittleEndian(f[Objects.FileProperties.DataPacketsCountOffset..], 0xFFFF_FFFF);
                    BinaryPrimitives.WriteUInt64LittleEndian(f[Objects.FileProperties.PlayDurationOffset..], 0);
                    BinaryPrimitives.WriteUInt64LittleEndian(f[Objects.FileProperties.SendDurationOffset..], 0);
                    BinaryPrimitives.WriteUInt32LittleEndian(f[Objects.FileProperties.FlagsOffset..],
                        (fp.Flags & ~Objects.FileProperties.SeekableFlag) | Objects.FileProperties.BroadcastFlag | LiveReservedFlag);
                    break;
                case AsfDataLayout.File file:
                    totalPackets = file.PacketCount;
                    dataObjectSize = AsfDataObjectHeader.Size + file.PacketCount * (ulong)fp.PacketSize;
                    BinaryPrimitives.WriteUInt64LittleEndian(f[Objects.FileProperties.FileSizeOffset..],
                        (ulong)headerSize + dataObjectSize + (ulong)file.IndexBytes);
                    BinaryPrimitives.WriteUInt64LittleEndian(f[Objects.FileProperties.DataPacketsCountOffset..], file.PacketCount);
                    BinaryPrimitives.WriteUInt64LittleEndian(f[Objects.FileProperties.PlayDurationOffset..], file.PlayDuration);
                    BinaryPrimitives.WriteUInt64LittleEndian(f[Objects.FileProperties.SendDurationOffset..], file.SendDuration);
                    var flags = fp.Flags & ~(Objects.FileProperties.BroadcastFlag | LiveReservedFlag);
                    if (file.IndexBytes > 0) flags |= Objects.FileProperties.SeekableFlag;
                    BinaryPrimitives.WriteUInt32LittleEndian(f[Objects.FileProperties.FlagsOffset..], flags);
                    break;
                case AsfDataLayout.Unchanged:
                    totalPackets = fp.DataPacketsCount;
                    dataObjectSize = AsfDataObjectHeader.Size + fp.DataPacketsCount * (ulong)fp.PacketSize;
                    break;
            }
        }

        var result = new byte[headerSize + AsfDataObjectHeader.Size];
        header.CopyTo(result);
        AsfDataObjectHeader.Write(result.AsSpan(headerSize), fp.FileId, dataObjectSize, totalPackets);
        return result;
    }

    private static void WriteHeaderExtension(GrowableBuffer output, AsfHeader source, ReadOnlySpan<byte> obj, int objOffset, AsfStreamSet keep)
    {
        const int fixedPart = 46;
        var start = output.Length;
        Append(output, obj[..fixedPart]);
        var raw = source.Raw.Span;
        foreach (var ext in source.ExtensionObjects)
        {
            if (ext.Offset < objOffset + fixedPart || ext.Offset >= objOffset + obj.Length) continue;
            var bytes = raw.Slice(ext.Offset, ext.Length);
            var id = ext.Id;
            if (id == AsfGuids.ExtendedStreamProperties)
            {
                if (keep.Contains(BinaryPrimitives.ReadUInt16LittleEndian(bytes[72..]) & 0x7F)) Append(output, bytes);
            }
            else if (id == AsfGuids.AdvancedMutualExclusion) WriteStreamList(output, bytes, 40, keep);
            else if (id == AsfGuids.StreamPrioritization) WriteRecords(output, bytes, 24, 4, keep);
            else if (id == AsfGuids.BandwidthSharing) WriteStreamList(output, bytes, 48, keep, minimum: 1);
            else if (id == AsfGuids.GroupMutualExclusion) WriteGroupExclusion(output, bytes, keep);
            else Append(output, bytes);
        }
        var written = output.Length - start;
        var span = output.Slice(start, written);
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], (ulong)written);
        BinaryPrimitives.WriteUInt32LittleEndian(span[42..], (uint)(written - fixedPart));
    }

    /// <summary>
    /// Copies an object made of a u16 record count at <paramref name="countAt"/> followed by fixed-size records that
    /// start with a stream number, keeping the records of kept streams. False (nothing written) when none remain.
    /// </summary>
    private static bool WriteRecords(GrowableBuffer output, ReadOnlySpan<byte> obj, int countAt, int recordSize, AsfStreamSet keep)
    {
        var count = BinaryPrimitives.ReadUInt16LittleEndian(obj[countAt..]);
        var start = output.Length;
        Append(output, obj[..(countAt + 2)]);
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            var record = obj.Slice(countAt + 2 + i * recordSize, recordSize);
            if (!keep.Contains(BinaryPrimitives.ReadUInt16LittleEndian(record) & 0x7F)) continue;
            Append(output, record);
            kept++;
        }
        return Finish(output, start, obj, countAt + 2 + count * recordSize, countAt, kept, minimum: 1);
    }

    /// <summary>
    /// Copies an object holding a u16 stream count at <paramref name="countAt"/> and u16 stream numbers (mutual
    /// exclusion, bandwidth sharing). A mutual exclusion with fewer than two members left means nothing and is dropped.
    /// </summary>
    private static bool WriteStreamList(GrowableBuffer output, ReadOnlySpan<byte> obj, int countAt, AsfStreamSet keep, int minimum = 2)
    {
        var count = BinaryPrimitives.ReadUInt16LittleEndian(obj[countAt..]);
        var start = output.Length;
        Append(output, obj[..(countAt + 2)]);
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            var number = obj.Slice(countAt + 2 + i * 2, 2);
            if (!keep.Contains(BinaryPrimitives.ReadUInt16LittleEndian(number) & 0x7F)) continue;
            Append(output, number);
            kept++;
        }
        return Finish(output, start, obj, countAt + 2 + count * 2, countAt, kept, minimum);
    }

    private static void WriteGroupExclusion(GrowableBuffer output, ReadOnlySpan<byte> obj, AsfStreamSet keep)
    {
        const int countAt = 40;
        var records = BinaryPrimitives.ReadUInt16LittleEndian(obj[countAt..]);
        var start = output.Length;
        Append(output, obj[..(countAt + 2)]);
        var position = countAt + 2;
        var keptRecords = 0;
        Span<byte> number = stackalloc byte[2];
        for (var i = 0; i < records; i++)
        {
            var streams = BinaryPrimitives.ReadUInt16LittleEndian(obj[position..]);
            var members = obj.Slice(position + 2, streams * 2);
            position += 2 + streams * 2;
            var keptMembers = 0;
            for (var j = 0; j < streams; j++)
                if (keep.Contains(BinaryPrimitives.ReadUInt16LittleEndian(members[(j * 2)..]) & 0x7F)) keptMembers++;
            if (keptMembers == 0) continue;
            BinaryPrimitives.WriteUInt16LittleEndian(number, (ushort)keptMembers);
            Append(output, number);
            for (var j = 0; j < streams; j++)
                if (keep.Contains(BinaryPrimitives.ReadUInt16LittleEndian(members[(j * 2)..]) & 0x7F)) Append(output, members.Slice(j * 2, 2));
            keptRecords++;
        }
        Finish(output, start, obj, position, countAt, keptRecords, minimum: 2);
    }

    /// <summary>Appends any trailing bytes, patches the object size and count, or rolls back below the minimum.</summary>
    private static bool Finish(GrowableBuffer output, int start, ReadOnlySpan<byte> obj, int end, int countAt, int kept, int minimum)
    {
        if (kept < minimum)
        {
            output.Truncate(start);
            return false;
        }
        if (end < obj.Length) Append(output, obj[end..]);
        var span = output.Slice(start, output.Length - start);
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], (ulong)span.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[countAt..], (ushort)kept);
        return true;
    }

    private static void Append(GrowableBuffer output, ReadOnlySpan<byte> bytes) => output.Append(bytes);

    private static void WriteObjectHeader(Span<byte> destination, Guid id, ulong size)
    {
        id.TryWriteBytes(destination);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], size);
    }
}
