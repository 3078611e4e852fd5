namespace MmsGateway.Mms.Tests.Mmsh;

/// <summary>
/// Request heads captured verbatim from real clients (docs/protocol/interop.md#s9) and the spec examples (docs/protocol/mmsh.md#s2.6, docs/protocol/mmsh.md#s2.7), with the
/// CRLF line ends they have on the wire. ffmpeg's last Play line really is glued to "Connection: Close".
/// </summary>
internal static class Captures
{
    public const string FfmpegGuid = "{c77e7400-738a-11d2-9add-0020af0a3278}";
    public const string VlcGuid = "{0xbabac001-0xeee5-0xe435-0xb34aebd355e19976}";

    public static readonly string FfmpegDescribe = Crlf("""
        GET /t.wmv HTTP/1.1
        Range: bytes=0-
        Icy-MetaData: 1
        Accept: */*
        User-Agent: NSPlayer/4.1.0.3856
        Host: 127.0.0.1:8080
        Pragma: no-cache,rate=1.000000,stream-time=0,stream-offset=0:0,request-context=1,max-duration=0
        Pragma: xClientGUID={c77e7400-738a-11d2-9add-0020af0a3278}
        Connection: Close


        """);

    public static readonly string FfmpegPlay = Crlf("""
        GET /t.wmv HTTP/1.1
        Range: bytes=0-
        Connection: close
        Icy-MetaData: 1
        Accept: */*
        User-Agent: NSPlayer/4.1.0.3856
        Host: 127.0.0.1:8080
        Pragma: no-cache,rate=1.000000,request-context=2
        Pragma: xPlayStrm=1
        Pragma: xClientGUID={c77e7400-738a-11d2-9add-0020af0a3278}
        Pragma: stream-switch-count=2
        Pragma: stream-switch-entry=ffff:1:0 ffff:2:0 
        Pragma: no-cache,rate=1.000000,stream-time=0Connection: Close


        """);

    public static readonly string VlcDescribe = Crlf("""
        GET /t.wmv HTTP/1.0
        Host: 127.0.0.1:8080
        Accept: */*
        User-Agent: NSPlayer/7.10.0.3059
        Pragma: no-cache,rate=1.000000,stream-time=0,stream-offset=0:0,request-context=1,max-duration=0
        Pragma: xClientGUID={0xbabac001-0xeee5-0xe435-0xb34aebd355e19976}
        Connection: Close


        """);

    public static readonly string VlcPlay = Crlf("""
        GET /t.wmv HTTP/1.0
        Host: 127.0.0.1:8080
        Accept: */*
        User-Agent: NSPlayer/7.10.0.3059
        Pragma: no-cache,rate=1.000000,stream-time=0,stream-offset=0:0,request-context=2,max-duration=0
        Pragma: xPlayStrm=1
        Pragma: xClientGUID={0xbabac001-0xeee5-0xe435-0xb34aebd355e19976}
        Pragma: stream-switch-count=2
        Pragma: stream-switch-entry=ffff:1:2 ffff:2:0 
        Connection: Close


        """);

    public static readonly string SpecDescribe = Crlf("""
        GET /welcome HTTP/1.1
        Accept: */*
        User-Agent: NSPlayer/12.0.7680.0
        Host: SampleServer
        X-Accept-Authentication: Negotiate, NTLM, Digest, Basic
        Pragma: version11-enabled=1
        Pragma: no-cache,rate=1.000,stream-time=0,stream-offset=0:0,packet-num=4294967295,max-duration=0
        Pragma: packet-pair-experiment=1
        Pragma: pipeline-experiment=1
        Supported: com.microsoft.wm.srvppair, com.microsoft.wm.sswitch, com.microsoft.wm.predstrm, com.microsoft.wm.startupprofile
        Pragma: xClientGUID={52CB2BDB-6925-4E19-8D1D-62D10E9E2705}
        Accept-Language: en-US, *;q=0.1


        """);

    public static readonly string SpecPlay = Crlf("""
        GET /welcome HTTP/1.1
        Accept: */*
        User-Agent: NSPlayer/12.0.7724.0
        Host: SampleServer
        X-Accept-Authentication: Negotiate, NTLM, Digest, Basic
        Pragma: version11-enabled=1
        Pragma: no-cache,rate=1.000,stream-time=0,stream-offset=4294967295:4294967295,packet-num=4294967295,max-duration=0
        Pragma: xPlayStrm=1
        Pragma: client-id=2338761264
        Pragma: LinkBW=2147483647, AccelBW=2147483647, AccelDuration=18000, Speed=91268.055
        Supported: com.microsoft.wm.srvppair, com.microsoft.wm.sswitch, com.microsoft.wm.startupprofile
        Pragma: playlist-seek-id=64
        Pragma: xClientGUID={BFE16E37-55EC-4AE4-A5A9-0B0D307F4B72}
        Pragma: stream-switch-count=2
        Pragma: stream-switch-entry=ffff:1:0 ffff:2:0
        Accept-Language: en-us, *;q=0.1


        """);

    /// <summary>Turns the LF of a raw string literal into the CRLF of the wire.</summary>
    public static string Crlf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal)
        .Replace("\n", "\r\n", StringComparison.Ordinal);
}
