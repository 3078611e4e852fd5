using System.Buffers;
using System.Text;
using MmsGateway.Mms.Mmsh;

namespace MmsGateway.Mms.Tests.Mmsh;

internal static class MmshTestHelpers
{
    public static MmshRequest ParseRequest(string head)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head)));
        Assert.True(MmshRequest.TryParse(ref reader, out MmshRequest? request));
        Assert.True(reader.End);
        return request;
    }

    public static MmshResponse ParseResponse(string head)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head)));
        Assert.True(MmshResponse.TryParse(ref reader, out MmshResponse? response));
        Assert.True(reader.End);
        return response;
    }

    public static string Text(ArrayBufferWriter<byte> writer) => Encoding.ASCII.GetString(writer.WrittenSpan);
}
