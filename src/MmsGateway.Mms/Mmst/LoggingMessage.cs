using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00030032 LinkViewerToMacLogging (docs/protocol/mmst.md#s1.5.10): a 1490-byte CLIENT_LOG of ANSI strings that WMP sends
/// after Stop and at end of stream. Servers accept and ignore it, so the body is kept opaque.
/// </summary>
public readonly record struct LoggingMessage(ReadOnlyMemory<byte> ClientLog) : IMmstMessage<LoggingMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.Logging;

    public int BodyLength => ClientLog.Length;

    public static LoggingMessage Read(ReadOnlySpan<byte> body) => new(MmstBodyReader.Copy(body));

    public void WriteBody(Span<byte> body) => ClientLog.Span.CopyTo(body);

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
