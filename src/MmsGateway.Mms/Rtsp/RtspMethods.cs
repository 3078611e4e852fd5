namespace MmsGateway.Mms.Rtsp;

/// <summary>The RTSP method names MS-RTSP uses (docs/protocol/rtsp.md#s2). Methods are case-sensitive (RFC 2326 6.1).</summary>
public static class RtspMethods
{
    public const string Options = "OPTIONS";
    public const string Describe = "DESCRIBE";
    public const string Setup = "SETUP";
    public const string Play = "PLAY";
    public const string Pause = "PAUSE";
    public const string Teardown = "TEARDOWN";
    public const string GetParameter = "GET_PARAMETER";
    public const string SetParameter = "SET_PARAMETER";
    public const string Announce = "ANNOUNCE";
}
