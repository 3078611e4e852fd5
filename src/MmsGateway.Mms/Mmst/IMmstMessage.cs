namespace MmsGateway.Mms.Mmst;

/// <summary>
/// One MMS message type. The body is everything after chunkLen and MID, so body index 0 is message offset 8 in the
/// tables of docs/protocol/mmst.md#s1.5 (absolute offset 40).
/// </summary>
public interface IMmstMessage<TSelf>
    where TSelf : struct, IMmstMessage<TSelf>
{
    static abstract MmstMessageId MessageId { get; }

    /// <summary>Parses a body; throws <see cref="MmsProtocolException"/> when a fixed field is missing.</summary>
    static abstract TSelf Read(ReadOnlySpan<byte> body);

    /// <summary>Body length before padding to a multiple of 8.</summary>
    int BodyLength { get; }

    /// <summary>Writes the body into a zero-filled span of at least <see cref="BodyLength"/> bytes.</summary>
    void WriteBody(Span<byte> body);
}
