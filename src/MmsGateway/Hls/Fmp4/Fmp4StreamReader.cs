using System.Buffers.Binary;

namespace MmsGateway.Hls.Fmp4;

/// <summary>
/// Reads a fragmented MP4 byte stream (ffmpeg's standard output) box by box: <c>ftyp</c> + <c>moov</c> come out
/// as one <see cref="Fmp4Init"/>, each <c>moof</c> + <c>mdat</c> as one <see cref="Fmp4Fragment"/>. Other
/// top-level boxes (<c>styp</c>, <c>sidx</c>, <c>prft</c>, <c>free</c>, <c>mfra</c>) are skipped. Nothing is
/// written anywhere: each box is read into memory once.
/// </summary>
public sealed class Fmp4StreamReader(Stream stream, int maxBoxBytes = 64 * 1024 * 1024)
{
    private readonly byte[] _header = new byte[16];
    private byte[]? _ftyp;
    private byte[]? _moof;

    public Fmp4Init? Init { get; private set; }

    /// <summary>The next init segment or fragment; null at the end of the stream.</summary>
    public async ValueTask<object?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var box = await ReadBoxAsync(cancellationToken).ConfigureAwait(false);
            if (box is null) return null;
            var (type, bytes) = box.Value;
            switch (type)
            {
                case BoxType.Ftyp:
                    _ftyp = bytes;
                    break;
                case BoxType.Moov:
                {
                    var data = _ftyp is null ? bytes : [.. _ftyp, .. bytes];
                    Init = Fmp4Init.Parse(data);
                    _moof = null;
                    return Init;
                }
                case BoxType.Moof:
                    _moof = bytes;
                    break;
                case BoxType.Mdat when _moof is not null:
                {
                    if (Init is null) throw new Mp4FormatException("a fragment came before the init segment");
                    var data = new byte[_moof.Length + bytes.Length];
                    _moof.CopyTo(data, 0);
                    bytes.CopyTo(data, _moof.Length);
                    _moof = null;
                    return Fmp4Fragment.Parse(data, Init);
                }
            }
        }
    }

    private async ValueTask<(uint Type, byte[] Bytes)?> ReadBoxAsync(CancellationToken ct)
    {
        if (!await FillAsync(_header.AsMemory(0, 8), ct).ConfigureAwait(false)) return null;
        long size = BinaryPrimitives.ReadUInt32BigEndian(_header);
        var type = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(4));
        var headerLength = 8;
        if (size == 1)
        {
            if (!await FillAsync(_header.AsMemory(8, 8), ct).ConfigureAwait(false)) throw new Mp4FormatException("the stream ended in a box header");
            size = (long)BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(8));
            headerLength = 16;
        }
        if (size == 0) throw new Mp4FormatException($"box '{BoxType.Name(type)}' has an open size, which a stream cannot use");
        if (size < headerLength || size > maxBoxBytes) throw new Mp4FormatException($"box '{BoxType.Name(type)}' has an implausible size {size}");
        var bytes = new byte[size];
        _header.AsSpan(0, headerLength).CopyTo(bytes);
        if (!await FillAsync(bytes.AsMemory(headerLength), ct).ConfigureAwait(false))
            throw new Mp4FormatException($"the stream ended inside box '{BoxType.Name(type)}'");
        return (type, bytes);
    }

    /// <summary>Fills <paramref name="buffer"/>; false when the stream ended before the first byte.</summary>
    private async ValueTask<bool> FillAsync(Memory<byte> buffer, CancellationToken ct)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[read..], ct).ConfigureAwait(false);
            if (n == 0)
            {
                if (read == 0) return false;
                throw new Mp4FormatException("the stream ended inside a box");
            }
            read += n;
        }
        return true;
    }
}
