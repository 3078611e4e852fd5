using System.Buffers;
using System.Text;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x0003001A LinkViewerToMacSecurityResponse (docs/protocol/mmst.md#s1.5.11): the answer to a SecurityChallenge.
/// <see cref="Token"/> is the NUL-terminated ASCII basic-credentials for Basic, an NTLM_AUTH block for NTLM.
/// </summary>
/// <param name="Cookie">Echo of the challenge's cookie.</param>
public readonly record struct SecurityResponseMessage(uint PlayIncarnation, uint Cookie, ReadOnlyMemory<byte> Token)
    : IMmstMessage<SecurityResponseMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.SecurityResponse;

    public int BodyLength => 12 + Token.Length;

    public string BasicCredentials => MmstText.ReadAsciiUntilNul(Token.Span);

    public static SecurityResponseMessage ForBasic(uint playIncarnation, uint cookie, string basicCredentials)
    {
        ArgumentNullException.ThrowIfNull(basicCredentials);
        byte[] token = new byte[basicCredentials.Length + 1]; // cbToken includes the terminator
        Encoding.ASCII.GetBytes(basicCredentials, token);
        return new SecurityResponseMessage(playIncarnation, cookie, token);
    }

    public static SecurityResponseMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "SecurityResponse");
        uint playIncarnation = reader.ReadUInt32("playIncarnation");
        uint cookie = reader.ReadUInt32("cookie");
        uint length = reader.ReadUInt32("cbToken");
        return new SecurityResponseMessage(playIncarnation, cookie, MmstBodyReader.Copy(reader.ReadBytes(length, "pToken")));
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
