using System.Net;

namespace MmsGateway.Mms.Client;

/// <summary>
/// Decides which upstream endpoints a session may reach (server-side request forgery: no viewer may make the gateway dial where the operator did not allow). The connector asks
/// it about every URL it is about to open — the caller's URL, every playlist document, every playlist entry and REF
/// alternative, every HTTP or MMST redirect, an NSC station's Unicast URL — and about every address a host name
/// resolves to before it connects. The checked address is the one connected to (the name is not resolved a second
/// time), so a DNS answer that changes between check and connect (DNS rebinding) cannot slip past.
/// </summary>
public interface IMmsEndpointPolicy
{
    /// <summary>Before anything is opened for <paramref name="url"/>: null to allow, else why not.</summary>
    string? CheckUrl(Uri url);

    /// <summary>
    /// An address <paramref name="url"/>'s host resolved to (or a station's multicast group): null to allow, else why not.
    /// </summary>
    string? CheckAddress(Uri url, IPAddress address);
}

/// <summary>
/// The inner exception of an <see cref="MmsClientException"/> (kind <see cref="MmsClientErrorKind.AccessDenied"/>)
/// when the <see cref="MmsClientOptions.EndpointPolicy"/> refused a URL or address, so callers can tell "our policy
/// said no" (HTTP 403 to a viewer) from "the server said no".
/// </summary>
public sealed class MmsEndpointRefusedException : Exception
{
    public MmsEndpointRefusedException()
    {
    }

    public MmsEndpointRefusedException(string message)
        : base(message)
    {
    }

    public MmsEndpointRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Finds a policy refusal anywhere in <paramref name="exception"/>'s inner-exception chain.</summary>
    public static MmsEndpointRefusedException? Find(Exception? exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is MmsEndpointRefusedException refused) return refused;
        }

        return null;
    }
}

/// <summary>Applies an <see cref="IMmsEndpointPolicy"/>: checks, DNS resolution and the errors they give.</summary>
internal static class MmsEndpointGuard
{
    /// <summary>Throws when the policy refuses <paramref name="url"/>.</summary>
    public static void CheckUrl(IMmsEndpointPolicy? policy, Uri url, MmsClientStep step)
    {
        if (policy?.CheckUrl(url) is { } reason) throw Refused(url, step, reason);
    }

    /// <summary>
    /// Resolves <paramref name="host"/> within <paramref name="timeout"/> and checks every address (a name that
    /// resolves to one public and one private address is refused as a whole). Returns the addresses to connect to.
    /// </summary>
    public static async Task<IPAddress[]> ResolveAsync(IMmsEndpointPolicy? policy, Uri url, string host, TimeSpan timeout,
        TimeProvider time, MmsClientStep step, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            addresses = [literal];
        }
        else
        {
            using var timeoutCts = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new MmsClientException(MmsClientErrorKind.TimedOut, step, url,
                    $"resolving {host} took longer than {timeout.TotalSeconds:0.###} s");
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new MmsClientException(MmsClientErrorKind.Unreachable, step, url,
                    $"cannot resolve {host} ({e.SocketErrorCode})", e);
            }
        }

        if (addresses.Length == 0)
        {
            throw new MmsClientException(MmsClientErrorKind.Unreachable, step, url, $"{host} has no address");
        }

        if (policy is not null)
        {
            foreach (IPAddress address in addresses)
            {
                if (policy.CheckAddress(url, address) is { } reason) throw Refused(url, step, reason);
            }
        }

        return addresses;
    }

    public static MmsClientException Refused(Uri url, MmsClientStep step, string reason) =>
        new(MmsClientErrorKind.AccessDenied, step, url, $"refused by the upstream policy: {reason}",
            new MmsEndpointRefusedException(reason));
}
