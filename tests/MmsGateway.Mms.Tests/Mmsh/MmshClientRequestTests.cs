using System.Buffers;
using MmsGateway.Mms.Mmsh;
using MmsGateway.Mms.Mmst;
using static MmsGateway.Mms.Tests.Mmsh.MmshTestHelpers;

namespace MmsGateway.Mms.Tests.Mmsh;

/// <summary>The client side's request heads (docs/protocol/mmsh.md#s2.6, docs/protocol/mmsh.md#s2.7).</summary>
public class MmshClientRequestTests
{
    private static readonly MmshClientRequest Target = new("/path", "host:80", Captures.FfmpegGuid);

    [Fact]
    public void Describe_is_the_open_client_request_of_section_2_6()
    {
        var writer = new ArrayBufferWriter<byte>();
        Target.WriteDescribe(writer);
        Assert.Equal(Captures.Crlf("""
            GET /path HTTP/1.0
            Accept: */*
            User-Agent: NSPlayer/7.10.0.3059
            Host: host:80
            Pragma: no-cache,rate=1.000000,stream-time=0,stream-offset=0:0,request-context=1,max-duration=0
            Pragma: xClientGUID={c77e7400-738a-11d2-9add-0020af0a3278}
            Connection: Close


            """), Text(writer));
        Assert.Equal(MmshRequestKind.Describe, ParseRequest(Text(writer)).Kind);
    }

    [Fact]
    public void Play_is_the_open_client_request_of_section_2_7()
    {
        var writer = new ArrayBufferWriter<byte>();
        Target.WritePlay(writer, [StreamSwitchEntry.Select(1), StreamSwitchEntry.Select(2)], streamTimeMs: 0);
        Assert.Equal(Captures.Crlf("""
            GET /path HTTP/1.0
            Accept: */*
            User-Agent: NSPlayer/7.10.0.3059
            Host: host:80
            Pragma: no-cache,rate=1.000000,stream-time=0,stream-offset=0:0,request-context=2,max-duration=0
            Pragma: xPlayStrm=1
            Pragma: xClientGUID={c77e7400-738a-11d2-9add-0020af0a3278}
            Pragma: stream-switch-count=2
            Pragma: stream-switch-entry=ffff:1:0 ffff:2:0 
            Connection: Close


            """), Text(writer));
    }

    [Fact]
    public void Play_reads_back_with_client_id_seek_time_and_hex_ids()
    {
        var writer = new ArrayBufferWriter<byte>();
        MmshClientRequest withSession = Target with { ClientId = 3456789, UserAgent = "NSPlayer/4.1.0.3856" };
        StreamSwitchEntry[] entries = [StreamSwitchEntry.Select(1), StreamSwitchEntry.Deselect(11), StreamSwitchEntry.Select(12)];
        withSession.WritePlay(writer, entries, streamTimeMs: 8000, requestContext: 4);

        MmshRequest request = ParseRequest(Text(writer));
        Assert.Contains("stream-switch-entry=ffff:1:0 ffff:b:2 ffff:c:0 ", Text(writer), StringComparison.Ordinal);
        Assert.Equal(MmshRequestKind.Play, request.Kind);
        Assert.Equal(3456789u, request.ClientId);
        Assert.Equal(4u, request.RequestContext);
        Assert.Equal(new MmshStartPosition(MmshStartKind.Time, 8000, 0), request.ResolveStartPosition(809, 3200));
        Assert.Equal(entries, request.GetStreamSwitchEntries(new HashSet<int> { 1, 11, 12 }));
        Assert.Equal(new Version(4, 1, 0, 3856), request.ClientVersion);
    }

    [Fact]
    public void Live_play_carries_no_start_position()
    {
        var writer = new ArrayBufferWriter<byte>();
        Target.WritePlay(writer, [StreamSwitchEntry.Select(1)], streamTimeMs: null);
        Assert.Contains("\r\nPragma: no-cache,rate=1.000000,request-context=2\r\n", Text(writer), StringComparison.Ordinal);
        Assert.Equal(MmshStartPosition.Beginning, ParseRequest(Text(writer)).ResolveStartPosition(809, 3200));
    }

    [Fact]
    public void Header_injection_is_refused()
    {
        var writer = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => (Target with { Host = "a\r\nX: y" }).WriteDescribe(writer));
        Assert.Throws<ArgumentException>(() => (Target with { PathAndQuery = "/a b" }).WriteDescribe(writer));
        Assert.Equal(0, writer.WrittenCount);
    }
}
