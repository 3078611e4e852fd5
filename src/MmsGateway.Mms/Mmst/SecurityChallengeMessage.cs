using System.Buffers;
using System.Text;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x0004001A LinkMacToViewerSecurityChallenge (docs/protocol/mmst.md#s1.5.11): the OpenFile needs credentials. For Basic the
/// token is UTF-16 <c>realm="…"</c> + NUL. None of ffmpeg, vlc and libmms support it (vlc and libmms abort), so a
/// server for open clients never sends it.
/// </summary>
public readonly record struct SecurityChallengeMessage(uint PlayIncarnation, uint Cookie, ReadOnlyMemory<byte> Token)
    : IMmstMessage<SecurityChallengeMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.SecurityChallenge;

    public int BodyLength => 12 + Token.Length;

    /// <summary>The token as UTF-16 text (the Basic <c>realm="…"</c> form).</summary>
    public string TokenText => MmstText.ReadUtf16UntilNul(Token.Span);

    public static SecurityChallengeMessage ForBasic(uint playIncarnation, uint cookie, string realm)
    {
        string text = $"realm=\"{realm}\"";
        byte[] token = new byte[MmstText.Utf16ByteCountWithNul(text)];
        Encoding.Unicode.GetBytes(text, token);
        return new SecurityChallengeMessage(playIncarnation, cookie, token);
    }

    public static SecurityChallengeMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "SecurityChallenge");
        uint playIncarnation = reader.ReadUInt32("playIncarnation");
        uint cookie = reader.ReadUInt32("cookie");
        uint length = reader.ReadUInt32("cbToken");
        return new SecurityChallengeMessage(playIncarnation, cookie, MmstBodyReader.Copy(reader.ReadBytes(length, "pToken")));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(PlayIncarnation);
        writer.UInt32(Cookie);
        writer.UInt32((uint)Token.Length);
        writer.Bytes(Token.Span);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
