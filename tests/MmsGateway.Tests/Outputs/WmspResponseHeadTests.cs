using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;
using MmsGateway.Mms.Mmsh;
using MmsGateway.Outputs;

namespace MmsGateway.Tests.Outputs;

/// <summary>
/// The gateway's MS-WMSP heads on Kestrel's response (Outputs/WmspResponseHead.cs), read back by the gateway's own MMSH
/// client parser (<see cref="MmshResponse"/>) and set beside the origin's head for the same session
/// (<see cref="MmshResponseWriter"/>): a player must not be able to tell them apart.
/// </summary>
public sealed class WmspResponseHeadTests
{
    [Theory]
    [InlineData(7u, false)]
    [InlineData(4_000_000_000u, true)]
    public void Describe_carries_the_session_pragma_and_a_content_length_of_one_header_chunk(uint clientId, bool onDemand)
    {
        var response = new DefaultHttpContext().Response;
        WmspResponseHead.WriteDescribe(response, clientId, onDemand, asfHeaderLength: 5063);

        var parsed = Parse(response);
        Assert.Equal(200, parsed.StatusCode);
        Assert.Equal(clientId, parsed.ClientId);
        Assert.Equal(!onDemand, parsed.IsBroadcast);
        Assert.Equal(onDemand, parsed.IsSeekable);
        Assert.Equal(onDemand ? ["seekable", "stridable"] : ["broadcast"], parsed.Features);
        Assert.Equal("application/vnd.ms.wms-hdr.asfv1", parsed.ContentType);
        Assert.Equal(4 + 8 + 5063, parsed.ContentLength); // $H framing header, its data packet preheader, the header
        AssertSameAsOrigin(parsed, Origin(w => MmshResponseWriter.WriteDescribe(w, Info(clientId, onDemand), 5063)));
    }

    [Theory]
    [InlineData(7u, false)]
    [InlineData(123u, true)]
    public void Play_has_no_content_length_the_body_runs_until_the_stream_ends(uint clientId, bool onDemand)
    {
        var response = new DefaultHttpContext().Response;
        WmspResponseHead.WritePlay(response, clientId, onDemand);

        var parsed = Parse(response);
        Assert.Equal(200, parsed.StatusCode);
        Assert.Equal(clientId, parsed.ClientId);
        Assert.Equal(!onDemand, parsed.IsBroadcast);
        Assert.Equal("application/x-mms-framed", parsed.ContentType);
        Assert.Null(response.ContentLength);
        Assert.Null(parsed.ContentLength);
        AssertSameAsOrigin(parsed, Origin(w => MmshResponseWriter.WritePlay(w, Info(clientId, onDemand))));
    }

    [Fact]
    public void The_empty_answer_is_zero_bytes_long_and_still_carries_the_streaming_pragma_with_features()
    {
        var response = new DefaultHttpContext().Response;
        WmspResponseHead.WriteEmpty(response, 42, onDemand: false);

        var parsed = Parse(response);
        Assert.Equal(200, parsed.StatusCode);
        Assert.Equal(0, parsed.ContentLength);
        Assert.Null(parsed.ContentType);
        Assert.Equal(42u, parsed.ClientId);
        Assert.Equal(60_000u, parsed.Timeout);
        Assert.Equal(["broadcast"], parsed.Features); // unlike the origin's empty answer, client-id and timeout only
        Assert.Equal(MmshResponsePragma.Format(Info(42, onDemand: false)), response.Headers.Pragma.ToString());
        var origin = Origin(w => MmshResponseWriter.WriteEmpty(w, Info(42, onDemand: false)));
        Assert.False(origin.HasFeatures);
        Assert.Equal(origin.Headers["Server"], parsed.Headers["Server"]);
        Assert.Equal(origin.Headers["Cache-Control"], parsed.Headers["Cache-Control"]);
    }

    private static MmshResponseInfo Info(uint clientId, bool onDemand) =>
        new(clientId, onDemand ? MmshFeatures.OnDemand : MmshFeatures.LiveBroadcast);

    private static void AssertSameAsOrigin(MmshResponse gateway, MmshResponse origin)
    {
        foreach (var name in new[] { "Server", "Cache-Control", "Content-Type", "Content-Length", "Pragma" })
            Assert.Equal(origin.Headers[name], gateway.Headers[name]);
        Assert.Equal(MmshResponseInfo.DefaultServer, gateway.Headers["Server"]);
        Assert.Equal("no-cache", gateway.Headers["Cache-Control"]);
    }

    /// <summary>The head as Kestrel would write it: the status line and every header set, in HTTP/1.0 form.</summary>
    private static MmshResponse Parse(HttpResponse response)
    {
        var head = new StringBuilder($"HTTP/1.0 {response.StatusCode} OK\r\n");
        foreach (var (name, values) in response.Headers)
            foreach (var value in values) head.Append(name).Append(": ").Append(value).Append("\r\n");
        head.Append("\r\n");
        return Read(Encoding.ASCII.GetBytes(head.ToString()));
    }

    private static MmshResponse Origin(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Read(buffer.WrittenMemory.ToArray());
    }

    private static MmshResponse Read(byte[] bytes)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        Assert.True(MmshResponse.TryParse(ref reader, out var response), Encoding.ASCII.GetString(bytes));
        Assert.Equal(bytes.Length, reader.Consumed);
        return response;
    }
}
