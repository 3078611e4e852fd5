using System.Buffers;
using System.Text;
using MmsGateway.Mms.Rtsp;

namespace MmsGateway.Mms.Tests.Rtsp;

/// <summary>Heads as real peers send them (docs/protocol/rtsp.md#s2, docs/protocol/rtsp.md#s5.1), split every way a socket can split them.</summary>
public class RtspHeadParserTests
{
    /// <summary>A captured WMP 9 DESCRIBE (docs/protocol/rtsp.md#s2.2).</summary>
    internal const string WmpDescribe =
        "DESCRIBE rtsp://wm.microsoft.com/ms/video/0001-hi.wmv RTSP/1.0\r\n" +
        "User-Agent: WMPlayer/9.0.0.2980 guid/3300AD50-2C39-46C0-AE0A-81D88F547805\r\n" +
        "Accept: application/sdp\r\n" +
        "Accept-Charset: UTF-8, *;q=0.1\r\n" +
        "X-Accept-Authentication: NTLM, Digest, Basic\r\n" +
        "Accept-Language: en-GB, *;q=0.1\r\n" +
        "CSeq: 1\r\n" +
        "Supported: com.microsoft.wm.srvppair, com.microsoft.wm.sswitch, com.microsoft.wm.eosmsg, com.microsoft.wm.predstrm\r\n\r\n";

    /// <summary>The head of a real WMS 9 DESCRIBE answer.</summary>
    internal const string WmsDescribeAnswer =
        "RTSP/1.0 200 OK\r\nContent-Type: application/sdp\r\nVary: Accept\r\nX-Playlist-Gen-Id: 27006\r\nX-Broadcast-Id: 0\r\n" +
        "Content-Length: 10\r\nDate: Tue, 18 Nov 2003 15:57:05 GMT\r\nCSeq: 1\r\nServer: WMServer/9.0.0.3372\r\n" +
        "Supported: com.microsoft.wm.srvppair, com.microsoft.wm.sswitch, com.microsoft.wm.eosmsg, com.microsoft.wm.fastcache, com.microsoft.wm.packetpairssrc\r\n" +
        "Last-Modified: Tue, 18 Jun 2002 21:05:39 GMT\r\n" +
        "Cache-Control: x-wms-content-size=23180160, max-age=86399, must-revalidate, proxy-revalidate\r\nEtag: \"23180160\"\r\n\r\n" +
        "v=0\r\ns=x\r\n";

    internal const string EndOfStreamRequest =
        "SET_PARAMETER rtsp://server/path/file.wmv RTSP/1.0\r\nContent-Type: application/x-wms-extension-cmd\r\n" +
        "X-Notice: 2101 \"End-of-Stream Reached\"\r\nRTP-Info: url=rtsp://server/path/file.wmv/audio;seq=4711\r\n" +
        "Session: 12345678901234567890\r\nCSeq: 3\r\nContent-Length: 42\r\n\r\nSession: 12345678901234567890\r\nEOF: true\r\n";

    [Fact]
    public void A_wmp_describe_parses_in_every_split()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(WmpDescribe);
        for (int cut = 0; cut <= bytes.Length; cut++)
        {
            var reader = new SequenceReader<byte>(Segments.Split(bytes, cut, cut + 7));
            Assert.True(RtspHeadParser.TryParse(ref reader, RtspLimits.Default, out var head));
            Assert.True(head.IsRequest);
            Assert.Equal(RtspMethods.Describe, head.Method);
            Assert.Equal("rtsp://wm.microsoft.com/ms/video/0001-hi.wmv", head.Uri);
            Assert.Equal("RTSP/1.0", head.Version);
            Assert.Equal(1, head.CSeq);
            Assert.Equal(0, head.ContentLength);
            Assert.Null(head.Session);
            Assert.Equal("application/sdp", head.Headers["accept"]);
            Assert.Equal(7, head.Headers.Count);
            Assert.Equal(bytes.Length, reader.Consumed);
        }
    }

    [Fact]
    public void An_incomplete_head_needs_more_bytes_and_leaves_the_reader_where_it_was()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(WmpDescribe);
        for (int length = 0; length < bytes.Length; length++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, length));
            Assert.False(RtspHeadParser.TryParse(ref reader, RtspLimits.Default, out var head));
            Assert.Null(head);
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Fact]
    public void A_response_with_its_body_and_a_server_request_follow_each_other()
    {
        byte[] bytes = Encoding.ASCII.GetBytes("\r\n" + WmsDescribeAnswer + EndOfStreamRequest);
        var reader = new SequenceReader<byte>(Segments.Split(bytes, 100, 400, 600));
        Assert.True(RtspHeadParser.TryParseMessage(ref reader, RtspLimits.Default, out var answer, out var sdp));
        Assert.False(answer.IsRequest);
        Assert.Equal(200, answer.StatusCode);
        Assert.Equal("OK", answer.ReasonPhrase);
        Assert.Equal("application/sdp", answer.ContentType);
        Assert.Equal("v=0\r\ns=x\r\n", Encoding.ASCII.GetString(sdp.ToArray()));
        Assert.StartsWith("WMServer/", answer.Headers["SERVER"]);

        Assert.True(RtspHeadParser.TryParseMessage(ref reader, RtspLimits.Default, out var request, out var body));
        Assert.True(request.IsRequest);
        Assert.Equal(RtspMethods.SetParameter, request.Method);
        Assert.Equal(new RtspSessionHeader("12345678901234567890", null), request.Session);
        Assert.Equal(RtspNotice.EndOfStream, RtspNotice.Parse(request.Headers["X-Notice"]!));
        var eos = WmsEndOfStream.Parse(body.ToArray(), RtspLimits.Default);
        Assert.True(eos.EndOfFile);
        Assert.Equal("12345678901234567890", eos.SessionId);
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void A_message_whose_body_is_not_all_there_yet_is_not_taken()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(EndOfStreamRequest);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, bytes.Length - 1));
        Assert.False(RtspHeadParser.TryParseMessage(ref reader, RtspLimits.Default, out _, out _));
        Assert.Equal(0, reader.Consumed);
    }

    [Fact]
    public void Repeated_header_names_keep_every_value_in_order()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(
            "RTSP/1.0 401 Unauthorized\r\nCSeq: 4\r\nWWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\nwww-authenticate: Basic realm=\"r\"\r\n" +
            "Session: 777;timeout=60\r\nX-Folded: a\r\n  b\r\n\r\n");
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        Assert.True(RtspHeadParser.TryParse(ref reader, RtspLimits.Default, out var head));
        Assert.Equal(401, head.StatusCode);
        Assert.Equal(["Digest realm=\"r\", nonce=\"n\"", "Basic realm=\"r\""], head.Headers.GetAll("WWW-Authenticate"));
        Assert.Equal(new RtspSessionHeader("777", 60), head.Session);
        Assert.Equal("a b", head.Headers["x-folded"]);
    }

    [Theory]
    [InlineData("DESCRIBE rtsp://x RTSP/1.0\r\nNo colon here\r\n\r\n")]
    [InlineData("DESCRIBE rtsp://x\r\n\r\n")]
    [InlineData("RTSP/1.0 2000 OK\r\n\r\n")]
    [InlineData("RTSP/1.0 abc OK\r\n\r\n")]
    [InlineData("DESCRIBE rtsp://x HTTP/1.0\r\n\r\n")]
    [InlineData("DESCRIBE rtsp://x RTSP/1.0\r\nCSeq: one\r\n\r\n")]
    [InlineData("DESCRIBE rtsp://x RTSP/1.0\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("DESCRIBE rtsp://x RTSP/1.0\r\nContent-Length: 2000000\r\n\r\n")]
    [InlineData("DESCRIBE rtsp://x RTSP/1.0\r\nSession: ;timeout=5\r\n\r\n")]
    [InlineData("DESCRIBE rtsp://x RTSP/1.0\r\n folded first\r\n\r\n")]
    public void Malformed_heads_throw(string text)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        try
        {
            RtspHeadParser.TryParse(ref reader, RtspLimits.Default, out _);
            Assert.Fail($"accepted: {text}");
        }
        catch (MmsProtocolException e)
        {
            Assert.False(string.IsNullOrEmpty(e.Message));
        }
    }

    [Fact]
    public void Heads_beyond_the_limits_throw_whether_complete_or_not()
    {
        var limits = new RtspLimits { MaxHeadBytes = 256, MaxHeaderCount = 4 };
        string longHeader = "OPTIONS * RTSP/1.0\r\nX-Long: " + new string('a', 300);
        foreach (string text in new[] { longHeader, longHeader + "\r\n\r\n", "OPTIONS * RTSP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n" })
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)));
            try
            {
                RtspHeadParser.TryParse(ref reader, limits, out _);
                Assert.Fail("a head over the limits was accepted");
            }
            catch (MmsProtocolException)
            {
            }
        }
    }

    [Fact]
    public void The_writer_formats_what_the_parser_reads_back()
    {
        var output = new ArrayBufferWriter<byte>();
        var headers = new RtspHeaders().Add("CSeq", "5").Add("Session", new RtspSessionHeader("42", 60).ToString())
            .Add("Content-Type", WmsEndOfStream.ContentType).Add("Content-Length", "999");
        byte[] body = new WmsEndOfStream { SessionId = "42", EndOfFile = true }.Format();
        int written = RtspHeadWriter.WriteRequest(output, RtspMethods.SetParameter, "rtsp://h/f.wmv", headers, body);
        Assert.Equal(output.WrittenCount, written);
        string text = Encoding.ASCII.GetString(output.WrittenSpan);
        Assert.Equal(
            "SET_PARAMETER rtsp://h/f.wmv RTSP/1.0\r\nCSeq: 5\r\nSession: 42;timeout=60\r\nContent-Type: application/x-wms-extension-cmd\r\n" +
            "Content-Length: 24\r\n\r\nSession: 42\r\nEOF: true\r\n", text);

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(output.WrittenMemory));
        Assert.True(RtspHeadParser.TryParseMessage(ref reader, RtspLimits.Default, out var head, out var parsedBody));
        Assert.Equal(24, head.ContentLength);
        Assert.Equal(body, parsedBody.ToArray());

        var again = new ArrayBufferWriter<byte>();
        RtspHeadWriter.Write(again, head, parsedBody.ToArray());
        Assert.Equal(output.WrittenSpan.ToArray(), again.WrittenSpan.ToArray());

        var response = new ArrayBufferWriter<byte>();
        RtspHeadWriter.WriteResponse(response, 461, null, new RtspHeaders().Add("CSeq", "2"));
        Assert.Equal("RTSP/1.0 461 Unsupported transport\r\nCSeq: 2\r\n\r\n", Encoding.ASCII.GetString(response.WrittenSpan));
        Assert.Throws<ArgumentException>(() => RtspHeadWriter.WriteResponse(response, 200, null, new RtspHeaders().Add("X", "a\r\nInjected: 1")));
    }
}
