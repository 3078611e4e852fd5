using MmsGateway.Mms.Mmst;

namespace MmsGateway.Mms.Client;

/// <summary>Maps server error codes to <see cref="MmsClientException"/> (docs/protocol/mmst.md#s1.7, docs/protocol/mmsh.md#s2.6).</summary>
internal static class MmsErrors
{
    private const uint FileNotFoundWin32 = 0x8007_0002;

    /// <summary>An error HRESULT in an MMST reply: the step and the code, with its name when known.</summary>
    public static MmsClientException FromHResult(Uri url, MmsClientStep step, string reply, uint hr)
    {
        MmsClientErrorKind kind = hr switch
        {
            MmsHResult.FileNotFound or MmsHResult.PathNotFound or FileNotFoundWin32 => MmsClientErrorKind.NotFound,
            MmsHResult.AccessDenied => MmsClientErrorKind.AccessDenied,
            _ => MmsClientErrorKind.ServerError,
        };
        string name = hr switch
        {
            MmsHResult.FileNotFound => " (file not found)",
            MmsHResult.PathNotFound => " (path not found)",
            FileNotFoundWin32 => " (file not found)",
            MmsHResult.AccessDenied => " (access denied)",
            MmsHResult.NetworkBusy => " (network busy)",
            MmsHResult.TooManySessions => " (too many sessions)",
            MmsHResult.NoTimelyResponse => " (no timely response)",
            MmsHResult.ConnectionLost => " (connection lost)",
            MmsHResult.BadParameter => " (bad parameter)",
            MmsHResult.FileFailedToOpen => " (file failed to open)",
            _ => string.Empty,
        };
        return new MmsClientException(kind, step, url, $"{reply} carries HRESULT 0x{hr:X8}{name}") { ServerHResult = hr };
    }

    /// <summary>An HTTP error status of an MMSH response.</summary>
    public static MmsClientException FromHttpStatus(Uri url, MmsClientStep step, int status, string reason)
    {
        MmsClientErrorKind kind = status switch
        {
            401 or 407 => MmsClientErrorKind.AuthenticationRequired,
            403 => MmsClientErrorKind.AccessDenied,
            404 or 410 => MmsClientErrorKind.NotFound,
            _ => MmsClientErrorKind.ServerError,
        };
        return new MmsClientException(kind, step, url,
            $"HTTP {status}{(string.IsNullOrEmpty(reason) ? string.Empty : " " + reason)}") { HttpStatusCode = status };
    }

    public static MmsClientException Closed(Uri url, MmsClientStep step, string endpoint) =>
        new(MmsClientErrorKind.ConnectionLost, step, url, $"{endpoint} closed the connection");

    public static MmsClientException Malformed(Uri url, MmsClientStep step, string detail, Exception? inner = null) =>
        new(MmsClientErrorKind.MalformedReply, step, url, detail, inner);

    /// <summary>Remaining time until a <see cref="TimeProvider"/> timestamp deadline.</summary>
    public static TimeSpan Remaining(TimeProvider time, long deadline)
    {
        long left = deadline - time.GetTimestamp();
        return left <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)left / time.TimestampFrequency);
    }

    public static long Deadline(TimeProvider time, TimeSpan timeout) =>
        time.GetTimestamp() + (long)(timeout.TotalSeconds * time.TimestampFrequency);
}
