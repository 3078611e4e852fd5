using System.Buffers;
using System.Text;
using MmsGateway.Mms.Mmsh;
using MmsGateway.Mms.Mmst;
using static MmsGateway.Mms.Tests.Mmsh.MmshTestHelpers;

namespace MmsGateway.Mms.Tests.Mmsh;

/// <summary>Server-side request parsing (docs/protocol/mmsh.md#s2.2 to docs/protocol/mmsh.md#s2.4, docs/protocol/mmsh.md#s2.7, docs/protocol/mmsh.md#s2.8, docs/protocol/servers.md#s3.2) on captured and spec requests.</summary>
public class MmshRequestTests
{
    private static readonly HashSet<int> TwoStreams = [1, 2];

    [Fact]
    public void Ffmpeg_describe()
    {
        MmshRequest request = ParseRequest(Captures.FfmpegDescribe);
        Assert.Equal(MmshRequestKind.Describe, request.Kind);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/t.wmv", request.Path);
        Assert.Equal("HTTP/1.1", request.HttpVersion);
        Assert.Equal(MmshClientProduct.NsPlayer, request.ClientProduct);
        Assert.Equal(new Version(4, 1, 0, 3856), request.ClientVersion);
        Assert.Equal(Captures.FfmpegGuid, request.ClientGuid);
        Assert.Equal(1u, request.RequestContext);
        Assert.Null(request.ClientId);
        Assert.Equal("bytes=0-", request.Headers["range"]);
    }

    [Fact]
    public void Ffmpeg_play_with_the_glued_stream_time_line()
    {
        MmshRequest request = ParseRequest(Captures.FfmpegPlay);
        Assert.Equal(MmshRequestKind.Play, request.Kind);
        Assert.Equal(0u, request.StreamTimeMs);
        Assert.Equal(2u, request.RequestContext);
        Assert.Equal(2u, request.StreamSwitchCount);
        Assert.Equal([StreamSwitchEntry.Select(1), StreamSwitchEntry.Select(2)], request.GetStreamSwitchEntries(TwoStreams));
        Assert.Equal(MmshStartPosition.Beginning, request.ResolveStartPosition(809, 3200));
        Assert.Equal(10, request.Pragma.Count); // 3 + 1 + 1 + 1 + 1 + 3 tokens over six Pragma lines
        Assert.Equal("0Connection: Close", request.Pragma[^1].Value);
        Assert.Single(request.Headers.GetAll("connection")); // the glued one is part of the Pragma value
    }

    [Fact]
    public void Ffmpeg_seek_reads_the_digits_before_the_glued_header()
    {
        string seek = Captures.FfmpegPlay.Replace("stream-time=0Connection", "stream-time=2000Connection",
            StringComparison.Ordinal);
        MmshRequest request = ParseRequest(seek);
        Assert.Equal(2000u, request.StreamTimeMs);
        Assert.Equal(new MmshStartPosition(MmshStartKind.Time, 2000, 0), request.ResolveStartPosition(809, 3200));
    }

    [Fact]
    public void Vlc_describe()
    {
        MmshRequest request = ParseRequest(Captures.VlcDescribe);
        Assert.Equal(MmshRequestKind.Describe, request.Kind);
        Assert.Equal("HTTP/1.0", request.HttpVersion);
        Assert.Equal(new Version(7, 10, 0, 3059), request.ClientVersion);
        Assert.Equal(Captures.VlcGuid, request.ClientGuid);
        Assert.Equal(0ul, request.StreamOffset);
    }

    [Fact]
    public void Vlc_play_without_video()
    {
        MmshRequest request = ParseRequest(Captures.VlcPlay);
        Assert.Equal(MmshRequestKind.Play, request.Kind);
        Assert.Equal("ffff:1:2 ffff:2:0", request.StreamSwitchEntries);
        Assert.Equal([StreamSwitchEntry.Deselect(1), StreamSwitchEntry.Select(2)],
            request.GetStreamSwitchEntries(TwoStreams));
        Assert.Equal(MmshStartPosition.Beginning, request.ResolveStartPosition(809, 3200));
        Assert.Equal(0u, request.MaxDuration);
    }

    [Fact]
    public void Vlc_seek_by_stream_offset_counts_packets_without_the_header()
    {
        string seek = Captures.VlcPlay.Replace("stream-offset=0:0", "stream-offset=0:336000", StringComparison.Ordinal);
        MmshRequest request = ParseRequest(seek);
        Assert.Equal(new MmshStartPosition(MmshStartKind.Packet, 0, 105), request.ResolveStartPosition(809, 3200));
    }

    [Fact]
    public void Spec_describe()
    {
        MmshRequest request = ParseRequest(Captures.SpecDescribe);
        Assert.Equal(MmshRequestKind.Describe, request.Kind);
        Assert.True(request.Version11Enabled);
        Assert.True(request.IsSet("packet-pair-experiment"));
        Assert.Equal(new Version(12, 0, 7680, 0), request.ClientVersion);
        Assert.Equal(uint.MaxValue, request.PacketNumber);
        Assert.Equal(MmshStartPosition.Beginning, request.ResolveStartPosition(5050, 3200));
    }

    [Fact]
    public void Spec_play()
    {
        MmshRequest request = ParseRequest(Captures.SpecPlay);
        Assert.Equal(MmshRequestKind.Play, request.Kind);
        Assert.Equal(2338761264u, request.ClientId);
        Assert.Equal("{BFE16E37-55EC-4AE4-A5A9-0B0D307F4B72}", request.ClientGuid);
        Assert.Equal("18000", request.GetPragma("accelduration"));
        Assert.Equal("64", request.GetPragma("playlist-seek-id"));
        Assert.Equal(MmshStartPosition.UnusedOffset, request.StreamOffset);
        Assert.Equal(MmshStartPosition.Beginning, request.ResolveStartPosition(5050, 3200));
        Assert.Equal([StreamSwitchEntry.Select(1), StreamSwitchEntry.Select(2)], request.GetStreamSwitchEntries(TwoStreams));
        Assert.StartsWith("com.microsoft.wm.srvppair", request.Headers["SUPPORTED"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OPTIONS * HTTP/1.1", "", MmshRequestKind.KeepAlive)]
    [InlineData("POST /a HTTP/1.1", "Pragma: xStopStrm=1", MmshRequestKind.Stop)]
    [InlineData("POST /a HTTP/1.0", "Pragma: xKeepAliveInPause=1\r\nContent-Length: 0", MmshRequestKind.KeepAlive)]
    [InlineData("POST /a HTTP/1.0", "Pragma: stream-switch-entry=ffff:1:0", MmshRequestKind.SelectStream)]
    [InlineData("POST /a HTTP/1.0", "Pragma: log-line=a b c, d", MmshRequestKind.Log)]
    [InlineData("POST /a HTTP/1.0", "Content-Type: application/x-wms-LogStats; charset=utf-8", MmshRequestKind.Log)]
    [InlineData("POST /a HTTP/1.0", "Content-Type: application/x-wms-getcontentinfo", MmshRequestKind.GetContentInfo)]
    [InlineData("POST /a HTTP/1.0", "Content-Type: application/x-wms-sendevent", MmshRequestKind.SendEvent)]
    [InlineData("POST /a HTTP/1.0", "", MmshRequestKind.Unsupported)]
    [InlineData("GET /a HTTP/1.1", "Pragma: pipeline-request=1", MmshRequestKind.Pipeline)]
    [InlineData("GET /a HTTP/1.1", "Pragma: xPlayNextEntry=1", MmshRequestKind.PlayNextEntry)]
    [InlineData("GET /a HTTP/1.1", "Pragma: stream-switch-entry=ffff:1:0", MmshRequestKind.SelectStream)]
    [InlineData("GET /a HTTP/1.1", "Pragma: XPLAYSTRM=1\r\nPragma: stream-switch-entry=ffff:1:0", MmshRequestKind.Play)]
    [InlineData("GET /a HTTP/1.1", "Pragma: xPlayStrm=0", MmshRequestKind.Describe)]
    [InlineData("PUT /a HTTP/1.1", "", MmshRequestKind.Unsupported)]
    public void Classification_follows_section_2_2(string requestLine, string extraHeaders, MmshRequestKind kind)
    {
        string head = requestLine + "\r\nUser-Agent: NSPlayer/9.0.0.2980\r\n"
            + (extraHeaders.Length > 0 ? extraHeaders + "\r\n" : string.Empty) + "\r\n";
        Assert.Equal(kind, ParseRequest(head).Kind);
    }

    [Theory]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64)", MmshClientProduct.Other, "5.0")]
    [InlineData("", MmshClientProduct.Other, null)]
    [InlineData("NSServer/9.1.0.3000", MmshClientProduct.NsServer, "9.1.0.3000")]
    [InlineData("WMCacheProxy/9.0", MmshClientProduct.WmCacheProxy, "9.0")]
    [InlineData("NSPlayer/4.1.0.3856 (compatible; LG NetCast.TV-2013)", MmshClientProduct.NsPlayer, "4.1.0.3856")]
    [InlineData("NSPlayer/12.0; via WMCacheProxy/9.0", MmshClientProduct.NsPlayer, "12.0")]
    [InlineData("NSPlayer/x.y", MmshClientProduct.NsPlayer, null)]
    public void User_agent_gives_product_and_version(string userAgent, MmshClientProduct product, string? version)
    {
        MmshRequest request = ParseRequest($"GET / HTTP/1.0\r\nUser-Agent: {userAgent}\r\n\r\n");
        Assert.Equal(product, request.ClientProduct);
        Assert.Equal(version, request.ClientVersion?.ToString());
        Assert.Equal(product == MmshClientProduct.Other, request.Kind == MmshRequestKind.NotNsPlayer);
    }

    [Fact]
    public void Pragma_tokens_split_on_commas_outside_quotes_and_on_the_first_equals()
    {
        var tokens = new List<MmshPragmaToken>();
        MmshPragma.ParseLine(" no-cache , proxy-client-agent=\"Mozilla/5.0 (a, b)\",x=a=b,, empty= ", tokens);
        Assert.Equal(
        [
            new MmshPragmaToken("no-cache", null),
            new MmshPragmaToken("proxy-client-agent", "Mozilla/5.0 (a, b)"),
            new MmshPragmaToken("x", "a=b"),
            new MmshPragmaToken("empty", string.Empty),
        ], tokens);
    }

    [Fact]
    public void Log_line_keeps_its_spaces_and_commas()
    {
        MmshRequest request = ParseRequest(
            "POST /a HTTP/1.0\r\nUser-Agent: NSPlayer/7.0\r\nPragma: log-line=127.0.0.1 2024-01-01, 00:00:00 -\r\n\r\n");
        Assert.Equal("127.0.0.1 2024-01-01, 00:00:00 -", request.GetPragma("log-line"));
    }

    [Theory]
    [InlineData("ffff:1:0 ffff:2:0", new[] { 1, 2 }, "ffff:1:0 ffff:2:0")]
    [InlineData("ffff:a:0 ffff:c:2 ", new[] { 1, 10, 12 }, "ffff:a:0 ffff:c:2")] // hex per spec and current vlc
    [InlineData("ffff:1:0 ffff:10:0", new[] { 1, 10 }, "ffff:1:0 ffff:a:0")] // ffmpeg/libmms decimal
    [InlineData("ffff:10:0", new[] { 1, 16 }, "ffff:10:0")] // the hex reading names a real stream
    [InlineData("ffff:10:0", new[] { 10, 16 }, "ffff:10:0")] // both do: the spec's hex wins
    [InlineData("ffff:a:0 ffff:10:0", new[] { 1, 10 }, "ffff:a:0 ffff:10:0")] // not decimal at all: hex
    [InlineData("ffff:1:0 bogus ffff:2 1:1:1", new[] { 1, 2 }, "ffff:1:0 1:1:1")] // malformed entries ignored
    [InlineData("2:ffff:0 FFFF:3:2", new[] { 2, 3 }, "2:ffff:0 ffff:3:2")]
    [InlineData("", new[] { 1 }, "")]
    public void Stream_switch_entries_hex_or_decimal(string entries, int[] existing, string expected)
    {
        IReadOnlyList<StreamSwitchEntry> parsed = MmshStreamSwitch.Parse(entries, existing.ToHashSet());
        Assert.Equal(expected, MmshStreamSwitch.Format(parsed).TrimEnd());
    }

    [Fact]
    public void No_stream_switch_entry_means_none_listed()
    {
        MmshRequest request = ParseRequest(Captures.FfmpegDescribe);
        Assert.Null(request.StreamSwitchEntries);
        Assert.Empty(request.GetStreamSwitchEntries(TwoStreams));
    }

    [Theory]
    [InlineData("stream-time=8000", 8000u, MmshStartKind.Time, 0u)]
    [InlineData("stream-time=8000,packet-num=3", 8000u, MmshStartKind.Time, 0u)]
    [InlineData("stream-time=0,packet-num=12,stream-offset=0:9999", 0u, MmshStartKind.Packet, 12u)]
    [InlineData("stream-time=4294967295,packet-num=4294967295,stream-offset=0:27450", 0u, MmshStartKind.Packet, 7u)] // spec: header + 7·P
    [InlineData("stream-offset=0:22400", 0u, MmshStartKind.Packet, 7u)] // vlc: 7·P
    [InlineData("stream-offset=0:25600", 0u, MmshStartKind.Packet, 8u)] // libmms: (7+1)·P, it resynchronises
    [InlineData("stream-offset=1:0", 0u, MmshStartKind.Packet, 1342177u)]
    [InlineData("stream-offset=0:0", 0u, MmshStartKind.Beginning, 0u)]
    [InlineData("stream-offset=4294967295:4294967295,packet-num=4294967295", 0u, MmshStartKind.Beginning, 0u)]
    [InlineData("stream-time=banana", 0u, MmshStartKind.Beginning, 0u)]
    [InlineData("rate=1.000000", 0u, MmshStartKind.Beginning, 0u)]
    public void Start_position_precedence_of_section_2_7(string pragma, uint time, MmshStartKind kind, uint packet)
    {
        MmshRequest request = ParseRequest(
            $"GET /a HTTP/1.0\r\nUser-Agent: NSPlayer/7.0\r\nPragma: xPlayStrm=1\r\nPragma: {pragma}\r\n\r\n");
        MmshStartPosition start = request.ResolveStartPosition(headerSize: 5050, packetSize: 3200);
        Assert.Equal(new MmshStartPosition(kind, time, packet), start);
    }

    [Fact]
    public void The_reader_stops_at_the_body_and_waits_for_an_incomplete_head()
    {
        byte[] data = Encoding.ASCII.GetBytes(
            "POST /a HTTP/1.0\nUser-Agent: NSPlayer/9.0\nContent-Type: application/x-wms-LogStats\nContent-Length: 5\n\n<xml>");
        int headLength = data.Length - 5;
        for (int length = 0; length < headLength; length++)
        {
            var partial = new SequenceReader<byte>(new ReadOnlySequence<byte>(data, 0, length));
            Assert.False(MmshRequest.TryParse(ref partial, out _));
            Assert.Equal(0, partial.Consumed);
        }

        var reader = new SequenceReader<byte>(Segments.Split(data, 3, 17, 40));
        Assert.True(MmshRequest.TryParse(ref reader, out MmshRequest? request));
        Assert.Equal(headLength, reader.Consumed);
        Assert.Equal(5, request.ContentLength);
        Assert.Equal(MmshRequestKind.Log, request.Kind);
    }

    [Fact]
    public void Folded_header_lines_are_joined()
    {
        MmshRequest request = ParseRequest("GET / HTTP/1.0\r\nUser-Agent: NSPlayer/9.0\r\nX-Long: a\r\n  b\r\n\r\n");
        Assert.Equal("a b", request.Headers["x-long"]);
    }

    [Theory]
    [InlineData("GET /a\r\n\r\n")]
    [InlineData("GET  /a HTTP/1.0\r\n\r\n")]
    [InlineData("GET /a HTTP/1.0 extra\r\n\r\n")]
    [InlineData("GET /a FTP/1.0\r\n\r\n")]
    [InlineData("G(T /a HTTP/1.0\r\n\r\n")]
    [InlineData("GET /a HTTP/1.0\r\nno colon here\r\n\r\n")]
    [InlineData("GET /a HTTP/1.0\r\n: empty name\r\n\r\n")]
    [InlineData("GET /a HTTP/1.0\r\nBad Name: x\r\n\r\n")]
    [InlineData("GET /a HTTP/1.0\r\n folded first\r\n\r\n")]
    [InlineData("GET /a HTTP/1.0\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("GET /a HTTP/1.0\r\nContent-Length: lots\r\n\r\n")]
    public void Malformed_heads_throw_MmsProtocolException(string head)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(head)));
        bool parsed = false;
        try
        {
            parsed = MmshRequest.TryParse(ref reader, out _);
        }
        catch (MmsProtocolException)
        {
            return;
        }

        Assert.Fail($"expected an MmsProtocolException, TryParse returned {parsed}");
    }

    [Fact]
    public void A_head_that_never_ends_is_refused_at_16_KiB()
    {
        string huge = "GET /a HTTP/1.0\r\nX-Junk: " + new string('a', 20_000);
        AssertRefused(huge); // one endless line
        AssertRefused(huge + "\r\n\r\n"); // complete but too large
        AssertRefused("GET /a HTTP/1.0\r\n" + string.Concat(Enumerable.Repeat("X: 1\r\n", 200)) + "\r\n"); // lines
    }

    [Fact]
    public void A_head_just_under_the_limits_is_accepted()
    {
        string head = "GET /a HTTP/1.0\r\nUser-Agent: NSPlayer/9.0\r\n"
            + string.Concat(Enumerable.Repeat("X: 1\r\n", 120)) + "\r\n";
        Assert.Equal(MmshRequestKind.Describe, ParseRequest(head).Kind);
    }

    private static void AssertRefused(string text)
    {
        var error = Assert.Throws<MmsProtocolException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)));
            MmshRequest.TryParse(ref reader, out _);
        });
        Assert.NotNull(error.Offset);
    }
}
