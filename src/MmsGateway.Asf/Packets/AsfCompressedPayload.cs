namespace MmsGateway.Asf.Packets;

/// <summary>
/// Enumerates the sub-payloads of a compressed payload (replicated data length 1, docs/protocol/asf.md#s4.8): a run of
/// <c>length u8 + data</c>, each a whole media object, object <c>i</c> at <c>PT + i·delta</c> ms. A length that
/// overruns the payload ends in <see cref="AsfFormatException"/>.
/// </summary>
public ref struct AsfCompressedPayloadEnumerator
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly uint _presentationTime;
    private readonly byte _delta;
    private int _position;
    private int _index;

    public AsfCompressedPayloadEnumerator(ReadOnlySpan<byte> packet, in AsfPayload payload)
    {
        _data = packet.Slice(payload.DataOffset, payload.DataLength);
        _presentationTime = payload.PresentationTime;
        _delta = payload.PresentationTimeDelta;
        _position = 0;
        _index = -1;
        Current = default;
    }

    /// <summary>The current sub-payload: its data range within the payload data and its presentation time.</summary>
    public (int Offset, int Length, uint PresentationTime) Current { get; private set; }

    public bool MoveNext()
    {
        if (_position >= _data.Length) return false;
        var length = _data[_position];
        if (_position + 1 + length > _data.Length)
            throw new AsfFormatException("Compressed Payload", _position, $"sub-payload length {length} overruns the payload");
        _index++;
        Current = (_position + 1, length, _presentationTime + (uint)(_index * _delta));
        _position += 1 + length;
        return true;
    }

    public readonly AsfCompressedPayloadEnumerator GetEnumerator() => this;
}
