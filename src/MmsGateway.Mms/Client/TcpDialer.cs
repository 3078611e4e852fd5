using System.Net;
using System.Net.Sockets;

namespace MmsGateway.Mms.Client;

/// <summary>Opens the TCP connection of a session: name resolution, one connect per address, failures in words.</summary>
internal static class TcpDialer
{
    /// <summary>
    /// Resolves <paramref name="host"/> and connects to each address in turn until one answers, within
    /// <paramref name="timeout"/> for the whole; failures are <see cref="MmsClientErrorKind.Unreachable"/>,
    /// <see cref="MmsClientErrorKind.Refused"/> or <see cref="MmsClientErrorKind.TimedOut"/> (step Connect).
    /// </summary>
    public static async Task<Socket> DialAsync(Uri url, string host, int port, TimeSpan timeout,
        TimeProvider time, CancellationToken cancellationToken)
    {
        string endpoint = MmsUrl.Format(host, port);
        using var timeoutCts = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host, out IPAddress? literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(host, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Connect, url,
                $"resolving {host} took longer than {timeout.TotalSeconds:0.###} s");
        }
        catch (SocketException e)
        {
            throw new MmsClientException(MmsClientErrorKind.Unreachable, MmsClientStep.Connect, url,
                $"cannot resolve {host} ({e.SocketErrorCode})", e);
        }

        if (addresses.Length == 0)
        {
            throw new MmsClientException(MmsClientErrorKind.Unreachable, MmsClientStep.Connect, url,
                $"{host} has no address");
        }

        SocketException? last = null;
        foreach (IPAddress address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), linked.Token).ConfigureAwait(false);
                return socket;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new MmsClientException(MmsClientErrorKind.TimedOut, MmsClientStep.Connect, url,
                    $"TCP connect to {endpoint} took longer than {timeout.TotalSeconds:0.###} s");
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        MmsClientErrorKind kind = last!.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => MmsClientErrorKind.Refused,
            SocketError.TimedOut => MmsClientErrorKind.TimedOut,
            _ => MmsClientErrorKind.Unreachable,
        };
        throw new MmsClientException(kind, MmsClientStep.Connect, url,
            $"TCP connect to {endpoint} failed ({last.SocketErrorCode})", last);
    }
}
