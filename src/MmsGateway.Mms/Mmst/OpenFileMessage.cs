using System.Buffers;
using System.Text;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00030005 LinkViewerToMacOpenFile (docs/protocol/mmst.md#s1.5.5). <see cref="FileName"/> is the URL path, not
/// percent-encoded, without a leading '/' (clients strip it; Read strips one if a client did not) and with any
/// <c>?query</c> kept. <see cref="Token"/> carries credentials after a SecurityChallenge.
/// </summary>
/// <param name="Spare">Ignored; ffmpeg and vlc send 0xFFFFFFFF.</param>
public readonly record struct OpenFileMessage(uint PlayIncarnation, uint Spare, string FileName, ReadOnlyMemory<byte> Token)
    : IMmstMessage<OpenFileMessage>
{
    private const int FileNameIndex = 16;

    public static MmstMessageId MessageId => MmstMessageId.OpenFile;

    public int BodyLength => FileNameIndex + MmstText.Utf16ByteCountWithNul(FileName) + Token.Length;

    /// <summary>What ffmpeg and vlc send: playIncarnation 1, spare 0xFFFFFFFF, leading '/' stripped.</summary>
    public static OpenFileMessage Create(string path, uint playIncarnation = 1) =>
        new(playIncarnation, 0xFFFF_FFFF, StripLeadingSlash(path), ReadOnlyMemory<byte>.Empty);

    /// <summary>Basic authentication: tokenData is the NUL-terminated ASCII basic-credentials (MS-MMSP 2.2.4.21).</summary>
    public OpenFileMessage WithBasicCredentials(string basicCredentials)
    {
        ArgumentNullException.ThrowIfNull(basicCredentials);
        byte[] token = new byte[basicCredentials.Length + 1];
        Encoding.ASCII.GetBytes(basicCredentials, token);
        return this with { Token = token };
    }

    /// <summary>The Basic credentials in <see cref="Token"/>, or null when there is no token.</summary>
    public string? BasicCredentials => Token.IsEmpty ? null : MmstText.ReadAsciiUntilNul(Token.Span);

    public static OpenFileMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "OpenFile");
        uint playIncarnation = reader.ReadUInt32("playIncarnation");
        uint spare = reader.ReadUInt32("spare");
        uint tokenOffset = reader.ReadUInt32("token");
        uint tokenLength = reader.ReadUInt32("cbtoken");
        ReadOnlySpan<byte> rest = reader.ReadRest();
        string fileName = StripLeadingSlash(MmstText.ReadUtf16UntilNul(rest));

        ReadOnlyMemory<byte> token = ReadOnlyMemory<byte>.Empty;
        if (tokenOffset != 0 && tokenLength != 0)
        {
            // token is a byte offset from the start of fileName (message offset 24).
            if ((long)tokenOffset + tokenLength > rest.Length)
            {
                throw new MmsProtocolException(
                    $"MMST OpenFile: token at fileName + {tokenOffset} with {tokenLength} bytes (message offsets 16/20) " +
                    $"runs past the {rest.Length} bytes after message offset 24.", 16);
            }

            token = MmstBodyReader.Copy(rest.Slice((int)tokenOffset, (int)tokenLength));
        }

        return new OpenFileMessage(playIncarnation, spare, fileName, token);
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        int fileNameBytes = MmstText.Utf16ByteCountWithNul(FileName);
        writer.UInt32(PlayIncarnation);
        writer.UInt32(Spare);
        writer.UInt32(Token.IsEmpty ? 0u : (uint)fileNameBytes);
        writer.UInt32((uint)Token.Length);
        writer.Utf16WithNul(FileName);
        writer.Bytes(Token.Span);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);

    private static string StripLeadingSlash(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.StartsWith('/') ? path[1..] : path;
    }
}
