namespace MmsGateway.Mms.Mmst;

/// <summary>
/// HRESULTs carried in the <c>hr</c> field of MMS replies (docs/protocol/mmst.md#s1.7). Any non-zero value in the dword at
/// absolute offset 40 of a reply of 56 bytes or more makes ffmpeg abort (docs/protocol/mmst.md#s1.4), so success is always 0.
/// </summary>
public static class MmsHResult
{
    public const uint Ok = 0x0000_0000;

    /// <summary>ReportEndOfStream: this playlist entry ended and a ReportStreamChange follows (MS-MMSP 2.2.4.5).</summary>
    public const uint EntryFinished = 0x0000_0001;

    public const uint FileNotFound = 0xC00D_001A;
    public const uint NetworkBusy = 0xC00D_000E;
    public const uint TooManySessions = 0xC00D_000F;
    public const uint NoTimelyResponse = 0xC00D_0013;
    public const uint ConnectionLost = 0xC00D_0029;

    /// <summary>No more data (MMSU).</summary>
    public const uint NoMoreData = 0xC00D_0034;

    public const uint AccessDenied = 0x8007_0005;
    public const uint BadParameter = 0x8007_0057;

    /// <summary>Path not found (seen from libmms).</summary>
    public const uint PathNotFound = 0x8007_0003;

    /// <summary>File failed to open (wireshark's name for E_UNEXPECTED).</summary>
    public const uint FileFailedToOpen = 0x8000_FFFF;

    /// <summary>Customer bit: vendor-defined codes set it (MS-MMSP 1.8).</summary>
    public const uint CustomerBit = 0x2000_0000;

    public static bool IsSuccess(uint hr) => (hr & 0x8000_0000) == 0;
}
