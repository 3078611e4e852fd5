using System.Text;
using MmsGateway.Mms.Rtsp;

namespace MmsGateway.Mms.Tests.Rtsp;

/// <summary>Transport, Range, RTP-Info, Session, X-Notice and the MS-RTSP bodies, in the forms the peers send (docs/protocol/rtsp.md#s2.3).</summary>
public class RtspHeaderValueTests
{
    [Theory]
    [InlineData("RTP/AVP/UDP;unicast;client_port=5000-5001;mode=play", RtspLowerTransport.Udp, "5000-5001", null)]
    [InlineData("RTP/AVP/UDP;unicast;client_port=5002;mode=play", RtspLowerTransport.Udp, "5002", null)]
    [InlineData("RTP/AVP;unicast;client_port=6000-6001", RtspLowerTransport.Udp, "6000-6001", null)]
    [InlineData("RTP/AVP/TCP;unicast;interleaved=0-1;mode=play", RtspLowerTransport.Tcp, null, "0-1")]
    [InlineData("RTP/AVP/UDP;unicast;client_port=5000;ssrc=1a2b3c4d;mode=PLAY", RtspLowerTransport.Udp, "5000", null)]
    public void Client_transports_parse(string spec, RtspLowerTransport lower, string? clientPort, string? interleaved)
    {
        var transport = RtspTransport.Parse(spec);
        Assert.Equal("RTP/AVP", transport.Profile);
        Assert.Equal(lower, transport.Lower);
        Assert.False(transport.Multicast);
        Assert.Equal(clientPort, transport.ClientPort?.ToString());
        Assert.Equal(interleaved, transport.Interleaved?.ToString());
        Assert.Equal(transport, RtspTransport.Parse(transport.Format()) with { Other = transport.Other });
    }

    [Fact]
    public void A_server_transport_is_written_in_lower_case_with_hex_ssrc_and_echoes_a_single_port()
    {
        var request = RtspTransport.Parse("RTP/AVP/UDP;unicast;client_port=5002;mode=play");
        var answer = request with { ServerPort = new RtspPortPair(6970, 6971), Ssrc = 0x1A2B3C4D };
        Assert.Equal("RTP/AVP/UDP;unicast;client_port=5002;server_port=6970-6971;ssrc=1A2B3C4D;mode=play", answer.Format());
        var list = RtspTransport.ParseList("RTP/AVP/UDP;unicast;client_port=1-2, RTP/AVP/TCP;unicast;interleaved=2-3;x-extra=1");
        Assert.Equal(2, list.Count);
        Assert.Equal(RtspLowerTransport.Tcp, list[1].Lower);
        Assert.Equal(new KeyValuePair<string, string?>("x-extra", "1"), Assert.Single(list[1].Other));
    }

    [Theory]
    [InlineData("RTP")]
    [InlineData("RTP/AVP/SCTP;unicast")]
    [InlineData("RTP/AVP;client_port=abc")]
    [InlineData("RTP/AVP;client_port=70000")]
    [InlineData("RTP/AVP;ssrc=xyz")]
    [InlineData("RTP/AVP;interleaved")]
    public void Bad_transports_throw(string spec) => Assert.Throws<MmsProtocolException>(() => RtspTransport.Parse(spec));

    [Theory]
    [InlineData("npt=3.100-173.903", 3.1, 173.903, "npt=3.100-173.903")]
    [InlineData("npt=0.000-", 0.0, null, "npt=0.000-")]
    [InlineData("npt=0-", 0.0, null, "npt=0.000-")]
    [InlineData("npt = 12.5 - ", 12.5, null, "npt=12.500-")]
    [InlineData("npt=0:01:02.5-1:00:00", 62.5, 3600.0, "npt=62.500-3600.000")]
    public void Npt_ranges(string text, double start, double? end, string formatted)
    {
        var range = RtspNptRange.Parse(text);
        Assert.Equal(start, range.StartSeconds!.Value, 6);
        Assert.Equal(end, range.EndSeconds);
        Assert.Equal(formatted, range.Format());
    }

    [Fact]
    public void Npt_now_other_units_and_malformed_ranges()
    {
        Assert.Equal(new RtspNptRange(null, null), RtspNptRange.Parse("npt=now-"));
        Assert.Equal("npt=now-", new RtspNptRange(null, null).Format());
        Assert.False(RtspNptRange.TryParse("smpte=0:00:00-", out _));
        Assert.Throws<MmsProtocolException>(() => RtspNptRange.Parse("smpte=0:00:00-"));
        Assert.Throws<MmsProtocolException>(() => RtspNptRange.Parse("npt=abc-"));
        Assert.Throws<MmsProtocolException>(() => RtspNptRange.Parse("npt=5"));
    }

    [Fact]
    public void Rtp_info_keeps_commas_inside_urls_and_round_trips()
    {
        var entries = RtpInfoHeader.Parse("url=rtsp://h/f.wmv/audio;seq=4711;rtptime=0, url=rtsp://h/a,b.wmv/stream=2;seq=12");
        Assert.Equal(2, entries.Count);
        Assert.Equal(new RtpInfoEntry("rtsp://h/f.wmv/audio", 4711, 0), entries[0]);
        Assert.Equal(new RtpInfoEntry("rtsp://h/a,b.wmv/stream=2", 12, null), entries[1]);
        Assert.Equal("url=rtsp://h/f.wmv/audio;seq=4711;rtptime=0,url=rtsp://h/a,b.wmv/stream=2;seq=12", RtpInfoHeader.Format(entries));
        Assert.Throws<MmsProtocolException>(() => RtpInfoHeader.Parse("url=rtsp://h/x;seq=70000"));
        Assert.Throws<MmsProtocolException>(() => RtpInfoHeader.Parse("seq=1"));
    }

    [Fact]
    public void Session_header_forms()
    {
        Assert.Equal(new RtspSessionHeader("12345678901234567890", 60), RtspSessionHeader.Parse("12345678901234567890;timeout=60"));
        Assert.Equal(new RtspSessionHeader("abc", 30), RtspSessionHeader.Parse(" abc ; timeout = 30"));
        Assert.Equal("12345678901234567890;timeout=60", new RtspSessionHeader("12345678901234567890", 60).ToString());
        Assert.Throws<MmsProtocolException>(() => RtspSessionHeader.Parse("abc;timeout=x"));
    }

    [Theory]
    [InlineData("2101 \"End-of-Stream Reached\"", 2101, "End-of-Stream Reached", RtspNoticeKind.EndOfStream)]
    [InlineData("2306 \"Idle\"", 2306, "Idle", RtspNoticeKind.EndOfStream)]
    [InlineData("4412 \"x\"", 4412, "x", RtspNoticeKind.IoError)]
    [InlineData("2401 \"Denied\"", 2401, "Denied", RtspNoticeKind.PermissionDenied)]
    [InlineData("5501 x", 5501, "x", RtspNoticeKind.PermissionDenied)]
    [InlineData("1000", 1000, "", RtspNoticeKind.Other)]
    public void X_notice_codes(string text, int code, string message, RtspNoticeKind kind)
    {
        var notice = RtspNotice.Parse(text);
        Assert.Equal(code, notice.Code);
        Assert.Equal(message, notice.Text);
        Assert.Equal(kind, notice.Kind);
        Assert.Equal(notice, RtspNotice.Parse(notice.Format()));
    }

    [Fact]
    public void End_of_stream_bodies()
    {
        var body = new WmsEndOfStream { SessionId = "12345678901234567890", EndOfFile = true, EndOfPlaylistEntry = true };
        byte[] bytes = body.Format();
        Assert.Equal("Session: 12345678901234567890\r\nEOF: true\r\nEnd-Of-Playlist-Entry: true\r\n", Encoding.ASCII.GetString(bytes));
        var parsed = WmsEndOfStream.Parse(bytes, RtspLimits.Default);
        Assert.Equal(body with { Fields = parsed.Fields }, parsed);
        Assert.Equal(3, parsed.Fields.Count);
        Assert.Throws<MmsProtocolException>(() => WmsEndOfStream.Parse("EOF true\r\n"u8, RtspLimits.Default));
    }

    [Fact]
    public void Stream_switch_bodies()
    {
        WmsStreamSwitchEntry[] entries =
        [
            new(1, 2, 0, "rtsp://host/abc/audio", "rtsp://host/abc/audio=2"),
            new(WmsStreamSwitchEntry.NoStream, 3, 1, null, "rtsp://host/abc/video"),
        ];
        byte[] body = WmsStreamSwitch.Format(entries);
        Assert.Equal("1 2 0 rtsp://host/abc/audio rtsp://host/abc/audio=2\r\n4294967295 3 1 rtsp://host/abc/video rtsp://host/abc/video\r\n",
            Encoding.ASCII.GetString(body));
        var parsed = WmsStreamSwitch.Parse(body, RtspLimits.Default);
        Assert.Equal(entries[0], parsed[0]);
        Assert.Equal(entries[1] with { OldStreamUri = "rtsp://host/abc/video" }, parsed[1]);
        Assert.True(WmsStreamSwitch.Parse("2 2 1\n"u8, RtspLimits.Default)[0].IsThinningChange);
        Assert.Throws<MmsProtocolException>(() => WmsStreamSwitch.Parse("1 2 7\r\n"u8, RtspLimits.Default));
        Assert.Throws<MmsProtocolException>(() => WmsStreamSwitch.Parse("\r\n"u8, RtspLimits.Default));
    }
}
