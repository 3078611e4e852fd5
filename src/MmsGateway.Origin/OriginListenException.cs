using System.Net;
using System.Net.Sockets;

namespace MmsGateway.Origin;

/// <summary>
/// A listener of the origin could not be opened: the message names the transport, the address and port, and the
/// option that chose the port, so that two origins on one machine can be told apart (each needs its own MMST,
/// MMSU and HTTP ports; the MMSU port follows the MMST port unless <c>--udp-port</c> says otherwise).
/// </summary>
public sealed class OriginListenException : IOException
{
    public OriginListenException(string listener, IPEndPoint endpoint, string option, SocketException inner)
        : base($"cannot listen for {listener} on {endpoint} (set by {option}): {Describe(inner)}", inner)
    {
        Listener = listener;
        Endpoint = endpoint;
        Option = option;
        Error = inner.SocketErrorCode;
    }

    /// <summary>What was to listen, e.g. "MMST (TCP)".</summary>
    public string Listener { get; }

    public IPEndPoint Endpoint { get; }

    /// <summary>The command-line option that sets the port, e.g. <c>--mmst-port</c>.</summary>
    public string Option { get; }

    public SocketError Error { get; }

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "the port is already in use (another origin or server?)",
        SocketError.AccessDenied => "permission denied (ports below 1024 need privileges)",
        SocketError.AddressNotAvailable => "the address is not one of this machine's",
        _ => e.Message,
    };

    /// <summary>
    /// Creates a server with <paramref name="create"/> and starts it with <paramref name="start"/>; a socket failure
    /// in either becomes an <see cref="OriginListenException"/>, and a server that failed to start is disposed first.
    /// </summary>
    internal static T Start<T>(string listener, IPAddress address, int port, string option, Func<T> create, Action<T> start)
        where T : IAsyncDisposable =>
        Open(listener, address, port, option, () =>
        {
            var server = create();
            try
            {
                start(server);
                return server;
            }
            catch
            {
                server.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
                throw;
            }
        });

    /// <summary>Runs <paramref name="open"/> and turns a socket failure into an <see cref="OriginListenException"/>.</summary>
    internal static T Open<T>(string listener, IPAddress address, int port, string option, Func<T> open)
    {
        try
        {
            return open();
        }
        catch (SocketException e)
        {
            throw new OriginListenException(listener, new IPEndPoint(address, port), option, e);
        }
    }
}
