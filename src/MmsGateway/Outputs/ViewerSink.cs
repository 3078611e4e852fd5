using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace MmsGateway.Outputs;

/// <summary>
/// Where one live viewer's bytes go: always a <see cref="PipeWriter"/> for what is copied (the ASF header, packets a
/// filtered or thinned viewer gets rewritten, the rest of a gathered send the socket did not take), and, on a
/// connection taken over from Kestrel (<see cref="DirectViewerConnection"/>), the socket itself, to which ring slots
/// are sent where they lie (<see cref="RingSender"/>). Kestrel's response pipe is the same sink without a socket.
/// </summary>
/// <remarks>
/// A sealed class with two fields rather than an interface with a write method per kind: the hot path calls the pipe
/// and <c>sendmsg</c> directly, with no dispatch of its own per packet.
/// </remarks>
public sealed class ViewerSink
{
    private readonly Action? _abort;

    private ViewerSink(PipeWriter writer, Socket? socket, Action? abort)
    {
        Writer = writer;
        Socket = socket;
        _abort = abort;
    }

    /// <summary>A sink that only copies: Kestrel's response body, or any other pipe (the HLS transcoder's input).</summary>
    public static ViewerSink ForPipe(PipeWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return new ViewerSink(writer, null, null);
    }

    /// <summary>
    /// A taken-over connection: <paramref name="writer"/> writes to <paramref name="socket"/> (non-blocking), and
    /// <paramref name="abort"/> ends the connection so that a send waiting on a dead or stalled viewer fails.
    /// </summary>
    internal static ViewerSink ForSocket(PipeWriter writer, Socket socket, Action abort) => new(writer, socket, abort);

    /// <summary>For what is copied.</summary>
    public PipeWriter Writer { get; }

    /// <summary>The viewer's own socket when the connection was taken over; null on a pipe.</summary>
    public Socket? Socket { get; }

    /// <summary>
    /// True on a taken-over connection: ring slots can be sent from where they lie, and a failed send (the viewer gone,
    /// or its connection aborted because it ended) surfaces as an exception where a pipe reports a completed flush.
    /// </summary>
    [MemberNotNullWhen(true, nameof(Socket))]
    public bool IsSocket => Socket is not null;

    /// <summary>Ends the connection once <paramref name="cancellationToken"/> fires (nothing to do on a pipe).</summary>
    public CancellationTokenRegistration AbortOn(CancellationToken cancellationToken) =>
        _abort is null ? default : cancellationToken.Register(static s => ((Action)s!)(), _abort);
}
