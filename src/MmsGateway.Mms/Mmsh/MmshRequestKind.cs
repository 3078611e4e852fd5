namespace MmsGateway.Mms.Mmsh;

/// <summary>What an MMSH request asks for (docs/protocol/mmsh.md#s2.2, MS-WMSP 2.2.2).</summary>
public enum MmshRequestKind
{
    /// <summary>A method MS-WMSP does not use, or a POST matching no rule.</summary>
    Unsupported,

    /// <summary>GET without Play / PlayNextEntry / pipeline / selection tokens: answer with the header.</summary>
    Describe,

    /// <summary>GET with <c>xPlayStrm=1</c>.</summary>
    Play,

    /// <summary><c>stream-switch-entry</c> without xPlayStrm (POST, or GET in pipelined mode).</summary>
    SelectStream,

    /// <summary>POST with <c>xKeepAliveInPause=1</c>, or <c>OPTIONS</c> in pipelined mode.</summary>
    KeepAlive,

    /// <summary>POST with <c>log-line</c> or Content-Type application/x-wms-LogStats.</summary>
    Log,

    /// <summary>POST with <c>xStopStrm=1</c>.</summary>
    Stop,

    /// <summary>GET with <c>xPlayNextEntry=1</c> (pipelined mode).</summary>
    PlayNextEntry,

    /// <summary>GET with <c>pipeline-request=1</c>.</summary>
    Pipeline,

    /// <summary>POST with Content-Type application/x-wms-getcontentinfo.</summary>
    GetContentInfo,

    /// <summary>POST with Content-Type application/x-wms-sendevent.</summary>
    SendEvent,

    /// <summary>The User-Agent is not NSPlayer, NSServer or WMCacheProxy: a plain web client (MS-WMSP 3.2.5.1).</summary>
    NotNsPlayer,
}

/// <summary>The product of an MMSH User-Agent (docs/protocol/mmsh.md#s2.3).</summary>
public enum MmshClientProduct
{
    Other,
    NsPlayer,
    NsServer,
    WmCacheProxy,
}
