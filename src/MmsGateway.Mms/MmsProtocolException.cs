namespace MmsGateway.Mms;

/// <summary>
/// The one exception the MMS wire codecs throw for malformed input (a lying length, a truncated message,
/// a missing signature, an oversized request head). "Not enough bytes yet" is never an exception: the
/// parsers return false for it. The message names the PDU or field and the byte offset.
/// </summary>
public sealed class MmsProtocolException : Exception
{
    public MmsProtocolException()
    {
    }

    public MmsProtocolException(string message)
        : base(message)
    {
    }

    public MmsProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MmsProtocolException(string message, long offset)
        : base(message)
    {
        Offset = offset;
    }

    /// <summary>Byte offset of the offending field, relative to what the parser was given; null when unknown.</summary>
    public long? Offset { get; }
}
