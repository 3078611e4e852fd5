using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>
/// A TCP server on 127.0.0.1 that runs a script per accepted connection (the n-th connection gets n = 0, 1, …).
/// Script failures (an assertion about what the client sent) are collected and rethrown by <see cref="VerifyAsync"/>.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<ScriptedPeer, int, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<Task> _scripts = new();
    private readonly Task _acceptLoop;

    public ScriptedServer(Func<ScriptedPeer, int, Task> script)
    {
        _script = script;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    public int Connections { get; private set; }

    public Uri Url(string scheme, string pathAndQuery = "/") => new($"{scheme}://127.0.0.1:{Port}{pathAndQuery}");

    /// <summary>Waits for every script to finish and rethrows the first failure.</summary>
    public async Task VerifyAsync(TimeSpan? timeout = null)
    {
        Task all = Task.WhenAll(_scripts.ToArray());
        Task finished = await Task.WhenAny(all, Task.Delay(timeout ?? TimeSpan.FromSeconds(10)));
        Assert.True(finished == all, "a server script did not finish");
        await all;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }

        try
        {
            await Task.WhenAny(Task.WhenAll(_scripts.ToArray()), Task.Delay(TimeSpan.FromSeconds(2)));
        }
        catch (Exception)
        {
            // Script failures are reported by VerifyAsync.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            int index = Connections++;
            _scripts.Enqueue(RunAsync(socket, index));
        }
    }

    private async Task RunAsync(Socket socket, int index)
    {
        await using var peer = new ScriptedPeer(socket, _stop.Token);
        await _script(peer, index);
    }
}

/// <summary>The server end of one connection, with reads that fail after 10 s instead of hanging a test.</summary>
internal sealed class ScriptedPeer(Socket socket, CancellationToken stop) : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);
    private readonly List<byte> _pending = [];

    public IPEndPoint Remote => (IPEndPoint)socket.RemoteEndPoint!;

    public async Task<byte[]> ReadExactAsync(int count)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(ReadTimeout);
        byte[] buffer = new byte[4096];
        while (_pending.Count < count)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (n == 0) throw new EndOfStreamException($"the client closed after {_pending.Count} of {count} bytes");
            _pending.AddRange(buffer.AsSpan(0, n));
        }

        byte[] result = [.. _pending.GetRange(0, count)];
        _pending.RemoveRange(0, count);
        return result;
    }

    /// <summary>One MMST command packet (docs/protocol/mmst.md#s1.1: 12 bytes, then messageLength + 4).</summary>
    public async Task<byte[]> ReadMmstCommandAsync()
    {
        byte[] head = await ReadExactAsync(12);
        Assert.Equal(0xB00BFACEu, BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(4)));
        int rest = (int)BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(8)) + 4;
        return [.. head, .. await ReadExactAsync(rest)];
    }

    /// <summary>An HTTP request head up to and including the empty line.</summary>
    public async Task<string> ReadHttpHeadAsync()
    {
        var head = new List<byte>();
        while (head.Count < 4 || !head.GetRange(head.Count - 4, 4).SequenceEqual("\r\n\r\n"u8.ToArray()))
        {
            head.AddRange(await ReadExactAsync(1));
            Assert.True(head.Count < 16 * 1024, "request head too long");
        }

        return Encoding.ASCII.GetString([.. head]);
    }

    public async Task SendAsync(params byte[][] parts)
    {
        foreach (byte[] part in parts) await socket.SendAsync(part, SocketFlags.None, stop);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    /// <summary>True when the client closes within <paramref name="timeout"/> (a read returns 0).</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        cts.CancelAfter(timeout);
        byte[] buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    /// <summary>Keeps the connection open, silent, until the client closes or the server stops.</summary>
    public Task HoldAsync(TimeSpan timeout) => WaitForCloseAsync(timeout);

    public ValueTask DisposeAsync()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
