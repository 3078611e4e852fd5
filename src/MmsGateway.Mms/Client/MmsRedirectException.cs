namespace MmsGateway.Mms.Client;

/// <summary>
/// A session connect ended in a redirect (MMST ReportRedirect 0x22, docs/protocol/mmst.md#s1.5.11; HTTP 3xx, docs/protocol/mmsh.md#s2.6).
/// Internal: <see cref="MmsConnector"/> turns it into a new attempt at <see cref="Location"/>.
/// </summary>
internal sealed class MmsRedirectException : Exception
{
    public MmsRedirectException()
    {
        Location = new Uri("about:blank");
    }

    public MmsRedirectException(string message)
        : base(message)
    {
        Location = new Uri("about:blank");
    }

    public MmsRedirectException(string message, Exception innerException)
        : base(message, innerException)
    {
        Location = new Uri("about:blank");
    }

    public MmsRedirectException(Uri location, MmsClientStep step)
        : base($"redirected to {MmsUrl.Redact(location)}")
    {
        Location = location;
        Step = step;
    }

    public Uri Location { get; }

    public MmsClientStep Step { get; }
}
