namespace MmsGateway.Asf;

/// <summary>
/// A byte buffer that grows by doubling and whose written bytes stay writable, for building headers whose sizes
/// and counts are patched after their contents are known. Not for hot paths (headers are built once per session).
/// </summary>
internal sealed class GrowableBuffer(int capacity)
{
    private byte[] _buffer = new byte[Math.Max(capacity, 64)];

    public int Length { get; private set; }

    public Span<byte> Written => _buffer.AsSpan(0, Length);

    public Span<byte> Slice(int start, int length) => _buffer.AsSpan(start, length);

    public void Append(ReadOnlySpan<byte> bytes)
    {
        EnsureCapacity(Length + bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(Length));
        Length += bytes.Length;
    }

    /// <summary>Appends <paramref name="count"/> zero bytes and returns where they start.</summary>
    public int Reserve(int count)
    {
        EnsureCapacity(Length + count);
        _buffer.AsSpan(Length, count).Clear();
        var start = Length;
        Length += count;
        return start;
    }

    /// <summary>Forgets everything written from <paramref name="length"/> on.</summary>
    public void Truncate(int length) => Length = length;

    public byte[] ToArray() => Written.ToArray();

    private void EnsureCapacity(int needed)
    {
        if (needed <= _buffer.Length) return;
        Array.Resize(ref _buffer, Math.Max(needed, _buffer.Length * 2));
    }
}
