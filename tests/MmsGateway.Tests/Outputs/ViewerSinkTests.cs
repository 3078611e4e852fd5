using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using MmsGateway.Outputs;

namespace MmsGateway.Tests.Outputs;

/// <summary>Where a live viewer's bytes go (Outputs/ViewerSink.cs): a pipe alone, or a taken-over loopback socket.</summary>
public sealed class ViewerSinkTests
{
    [Fact]
    public async Task A_pipe_sink_has_no_socket_copies_through_its_pipe_and_ignores_the_end_of_the_viewer()
    {
        var pipe = new Pipe();
        var sink = ViewerSink.ForPipe(pipe.Writer);

        Assert.False(sink.IsSocket);
        Assert.Null(sink.Socket);
        Assert.Same(pipe.Writer, sink.Writer);

        using var ended = new CancellationTokenSource();
        using (var registration = sink.AbortOn(ended.Token))
        {
            Assert.Equal(default, registration); // nothing to end on a pipe
            ended.Cancel();
        }

        // Still usable after the viewer's token fired: a pipe ends when its reader completes, not by an abort.
        await sink.Writer.WriteAsync("ASF"u8.ToArray());
        await sink.Writer.CompleteAsync();
        var read = await pipe.Reader.ReadAsync();
        Assert.Equal("ASF"u8.ToArray(), read.Buffer.ToArray());
        Assert.True(read.IsCompleted);

        Assert.Throws<ArgumentNullException>(() => ViewerSink.ForPipe(null!));
    }

    [Fact]
    public async Task A_socket_sink_writes_to_the_viewers_socket_and_ends_the_connection_when_the_viewer_ends()
    {
        var (server, client) = await ConnectedPairAsync();
        using var _ = server;
        using var __ = client;
        await using var stream = new NetworkStream(server, ownsSocket: false);
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        var aborts = 0;
        var sink = ViewerSink.ForSocket(writer, server, () =>
        {
            Interlocked.Increment(ref aborts);
            server.Shutdown(SocketShutdown.Both);
        });

        Assert.True(sink.IsSocket);
        Assert.Same(server, sink.Socket);
        Assert.Same(writer, sink.Writer);

        await sink.Writer.WriteAsync("$H"u8.ToArray());
        var got = new byte[2];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        for (var n = 0; n < 2;) n += await client.ReceiveAsync(got.AsMemory(n), SocketFlags.None, deadline.Token);
        Assert.Equal("$H"u8.ToArray(), got);

        // A registration disposed before the token fires ends nothing.
        using (var early = new CancellationTokenSource())
        {
            sink.AbortOn(early.Token).Dispose();
            early.Cancel();
        }
        Assert.Equal(0, Volatile.Read(ref aborts));

        // The viewer's end fires the abort once: the peer sees the connection close.
        using var ended = new CancellationTokenSource();
        using var registration = sink.AbortOn(ended.Token);
        Assert.Equal(0, Volatile.Read(ref aborts));
        ended.Cancel();
        Assert.Equal(1, Volatile.Read(ref aborts));
        Assert.Equal(0, await client.ReceiveAsync(got, SocketFlags.None, deadline.Token));
    }

    private static async Task<(Socket Server, Socket Client)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        return (await accept, client);
    }
}
