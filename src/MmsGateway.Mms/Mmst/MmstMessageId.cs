namespace MmsGateway.Mms.Mmst;

/// <summary>
/// The MID dword of an MMS message: <c>(direction &lt;&lt; 16) | id</c> (docs/protocol/mmst.md#s1.2, MS-MMSP 2.2.4).
/// The low word alone is ambiguous (0x01, 0x02, 0x05, 0x15, 0x1A and 0x1B exist in both directions with different
/// meanings), so the enum carries the direction too. Names are the MS-MMSP names without the
/// <c>LinkViewerToMac</c> / <c>LinkMacToViewer</c> prefix (catalogue: docs/protocol/mmst.md#s1.4).
/// </summary>
public enum MmstMessageId : uint
{
    None = 0,

    // Client to server (direction 0x0003).
    Connect = 0x0003_0001,
    ConnectFunnel = 0x0003_0002,
    OpenFile = 0x0003_0005,
    StartPlaying = 0x0003_0007,
    StopPlaying = 0x0003_0009,
    CloseFile = 0x0003_000D,
    ReadBlock = 0x0003_0015,
    FunnelInfo = 0x0003_0018,
    SecurityResponse = 0x0003_001A,
    Pong = 0x0003_001B,
    CancelReadBlock = 0x0003_0025,
    StartStriding = 0x0003_0028,
    Logging = 0x0003_0032,
    StreamSwitch = 0x0003_0033,

    // Server to client (direction 0x0004).
    ReportConnectedEx = 0x0004_0001,
    ReportConnectedFunnel = 0x0004_0002,
    ReportDisconnectedFunnel = 0x0004_0003,
    ReportStartedPlaying = 0x0004_0005,
    ReportOpenFile = 0x0004_0006,
    ReportStartStriding = 0x0004_000A,
    ReportReadBlock = 0x0004_0011,
    ReportFunnelInfo = 0x0004_0015,
    SecurityChallenge = 0x0004_001A,
    Ping = 0x0004_001B,
    ReportEndOfStream = 0x0004_001E,
    ReportStreamChange = 0x0004_0020,
    ReportStreamSwitch = 0x0004_0021,
    ReportRedirect = 0x0004_0022,
}

/// <summary>The high word of a MID (docs/protocol/mmst.md#s1.2).</summary>
public static class MmstDirection
{
    public const ushort ToServer = 0x0003;

    public const ushort ToClient = 0x0004;

    public static ushort Of(MmstMessageId id) => (ushort)((uint)id >> 16);
}
