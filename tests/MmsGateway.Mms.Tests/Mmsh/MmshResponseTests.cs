using System.Buffers;
using System.Text;
using MmsGateway.Mms.Mmsh;
using static MmsGateway.Mms.Tests.Mmsh.MmshTestHelpers;

namespace MmsGateway.Mms.Tests.Mmsh;

/// <summary>Server response heads (docs/protocol/mmsh.md#s2.6, docs/protocol/mmsh.md#s2.7, docs/protocol/servers.md#s3.2) and the client's parser for them.</summary>
public class MmshResponseTests
{
    private static readonly MmshResponseInfo OnDemand = new(3456789, MmshFeatures.OnDemand);

    [Fact]
    public void Describe_response_of_section_2_6()
    {
        var writer = new ArrayBufferWriter<byte>();
        MmshResponseWriter.WriteDescribe(writer, OnDemand, asfHeaderLength: 5000);
        Assert.Equal(Captures.Crlf("""
            HTTP/1.0 200 OK
            Server: Cougar/4.1.0.3925
            Cache-Control: no-cache
            Content-Type: application/vnd.ms.wms-hdr.asfv1
            Content-Length: 5012
            Pragma: no-cache,client-id=3456789,features="seekable,stridable",timeout=60000
            Connection: close


            """), Text(writer));

        MmshResponse response = ParseResponse(Text(writer));
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("OK", response.ReasonPhrase);
        Assert.Equal(3456789u, response.ClientId);
        Assert.Equal(["seekable", "stridable"], response.Features);
        Assert.True(response.IsSeekable);
        Assert.False(response.IsBroadcast);
        Assert.Equal(60000u, response.Timeout);
        Assert.Equal(5012, response.ContentLength);
        Assert.Equal(MmshResponseWriter.DescribeContentType, response.ContentType);
    }

    [Fact]
    public void Play_response_of_section_2_7()
    {
        var writer = new ArrayBufferWriter<byte>();
        MmshResponseWriter.WritePlay(writer, OnDemand);
        Assert.Equal(Captures.Crlf("""
            HTTP/1.0 200 OK
            Server: Cougar/4.1.0.3925
            Cache-Control: no-cache
            Content-Type: application/x-mms-framed
            Pragma: no-cache,client-id=3456789,features="seekable,stridable",timeout=60000
            Connection: close


            """), Text(writer));
        Assert.Null(ParseResponse(Text(writer)).ContentLength);
    }

    [Fact]
    public void Live_reset_and_empty_responses()
    {
        var writer = new ArrayBufferWriter<byte>();
        MmshResponseWriter.WritePlay(writer, new MmshResponseInfo(7, MmshFeatures.LiveBroadcast)
        {
            ResetStream = true,
            Server = "Rex/9.0.2980",
        });
        MmshResponse live = ParseResponse(Text(writer));
        Assert.True(live.IsBroadcast);
        Assert.True(live.ResetStream);
        Assert.Equal("Rex/9.0.2980", live.Headers["server"]);

        writer.Clear();
        MmshResponseWriter.WriteEmpty(writer, OnDemand);
        MmshResponse empty = ParseResponse(Text(writer));
        Assert.Equal(0, empty.ContentLength);
        Assert.Equal(3456789u, empty.ClientId);
        Assert.Empty(empty.Features);
    }

    [Fact]
    public void A_real_WMS_2008_live_response()
    {
        MmshResponse response = ParseResponse(Captures.Crlf("""
            HTTP/1.0 200 OK
            Content-Type: application/x-mms-framed
            Server: Cougar/9.5.6001.18161
            Date: Sat, 01 Jan 2011 00:00:00 GMT
            Pragma: no-cache, client-id=3660606507, xResetStrm=1, features="broadcast", AccelBW=0, AccelDuration=0, Speed=1.000
            Cache-Control: no-cache
            Supported: com.microsoft.wm.srvppair, com.microsoft.wm.sswitch, com.microsoft.wm.predstrm, com.microsoft.wm.fastcache, com.microsoft.wm.startupprofile
            Connection: keep-alive


            """));
        Assert.Equal(3660606507u, response.ClientId);
        Assert.True(response.ResetStream);
        Assert.True(response.IsBroadcast);
        Assert.False(response.IsSeekable);
    }

    [Fact]
    public void The_spec_chunked_play_response_with_empty_features()
    {
        MmshResponse response = ParseResponse(Captures.Crlf("""
            HTTP/1.1 200 OK
            Transfer-Encoding: chunked
            Pragma: no-cache, client-id=2338761264, features="", timeout=60000, AccelBW=3500000, AccelDuration=18000, Speed=5.000


            """));
        Assert.True(response.IsChunked);
        Assert.True(response.HasFeatures);
        Assert.Empty(response.Features);
        Assert.False(response.IsBroadcast);
        Assert.Equal(2338761264u, response.ClientId);
    }

    [Fact]
    public void Status_without_reason_phrase_missing_features_and_redirects()
    {
        MmshResponse bare = ParseResponse("HTTP/1.0 200\r\nServer: x\r\n\r\n");
        Assert.Equal(200, bare.StatusCode);
        Assert.Equal(string.Empty, bare.ReasonPhrase);
        Assert.True(bare.IsBroadcast); // vlc's reading of a missing features token

        MmshResponse redirect = ParseResponse("HTTP/1.0 302 Found\r\nLocation: http://other.example/t.wmv\r\n\r\n");
        Assert.Equal(302, redirect.StatusCode);
        Assert.Equal("http://other.example/t.wmv", redirect.Location);
        Assert.Equal("Found", redirect.ReasonPhrase);

        MmshResponse error = ParseResponse("HTTP/1.0 404 Not Found Here\r\n\r\n");
        Assert.Equal("Not Found Here", error.ReasonPhrase);
    }

    [Theory]
    [InlineData("ICY 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.0 20\r\n\r\n")]
    [InlineData("HTTP/1.0 abc OK\r\n\r\n")]
    [InlineData("HTTP/1.0\r\n\r\n")]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: x\r\n\r\n")]
    public void Malformed_status_lines_throw_MmsProtocolException(string head) =>
        Assert.Throws<MmsProtocolException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(head)));
            MmshResponse.TryParse(ref reader, out _);
        });

    [Fact]
    public void The_body_follows_the_head()
    {
        var writer = new ArrayBufferWriter<byte>();
        MmshResponseWriter.WriteDescribe(writer, OnDemand, asfHeaderLength: 3);
        int headLength = writer.WrittenCount;
        MmshFraming.WriteHeader(writer, [1, 2, 3]);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(writer.WrittenMemory));
        Assert.True(MmshResponse.TryParse(ref reader, out MmshResponse? response));
        Assert.Equal(headLength, reader.Consumed);
        Assert.Equal(response.ContentLength, reader.Remaining);
        Assert.True(MmshFraming.TryReadChunk(ref reader, out MmshChunk chunk));
        Assert.Equal([1, 2, 3], chunk.Payload.ToArray());
    }

    [Fact]
    public void Feature_tokens_cannot_break_the_quoted_list()
    {
        var writer = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() =>
            MmshResponseWriter.WritePlay(writer, new MmshResponseInfo(1, ["a\",b"])));
    }

    [Fact]
    public void Other_heads_carry_the_length_of_the_body_and_no_pragma()
    {
        var writer = new ArrayBufferWriter<byte>();
        MmshResponseWriter.WriteOther(writer, 404, "Not Found", "text/plain; charset=utf-8", 15);
        Assert.Equal(Captures.Crlf("""
            HTTP/1.0 404 Not Found
            Server: Cougar/4.1.0.3925
            Content-Type: text/plain; charset=utf-8
            Content-Length: 15
            Cache-Control: no-cache
            Connection: close


            """), Text(writer));
        Assert.Throws<ArgumentException>(() => MmshResponseWriter.WriteOther(writer, 200, "OK\r\nX: y", "text/plain", 0));
    }

    [Fact]
    public void Empty_answer_head_byte_for_byte()
    {
        var writer = new ArrayBufferWriter<byte>();
        MmshResponseWriter.WriteEmpty(writer, OnDemand);
        Assert.Equal(Captures.Crlf("""
            HTTP/1.0 200 OK
            Server: Cougar/4.1.0.3925
            Cache-Control: no-cache
            Pragma: client-id=3456789,timeout=60000
            Content-Length: 0
            Connection: close


            """), Text(writer));
    }
}
