using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MmsGateway.Outputs;

/// <summary>
/// One non-blocking gathered send of byte ranges of a pinned array (a hub's ring): Linux <c>sendmsg(2)</c> with the
/// iovecs built on the stack. <see cref="Socket.Send(IList{ArraySegment{byte}}, SocketFlags, out SocketError)"/> pins
/// every segment with a GC handle and, past eight segments, puts its handle and iovec arrays on the heap, which a
/// plain-ASF viewer (an iovec per packet, about twenty per flush) paid on every flush. The ring lives on the Pinned
/// Object Heap, so its addresses never move and nothing needs pinning. Where the call is not available (another OS,
/// no <c>libc.so.6</c>) the socket's own gathered send is used.
/// </summary>
internal static unsafe partial class GatheredSend
{
    /// <summary>Most ranges in one call (well under Linux's IOV_MAX of 1024; the stack holds 16 bytes per range).</summary>
    public const int MaxRanges = 64;

    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000; // a closed peer is an error return, not SIGPIPE
    private const int EIntr = 4;
    private const int EAgain = 11;
    private const int EPipe = 32;
    private const int EConnReset = 104;

    private static int _native = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64 ? 1 : 0;

    /// <summary>True while sends go through <c>sendmsg</c> directly (false after it could not be loaded, or off Linux).</summary>
    public static bool UsesSendmsg => Volatile.Read(ref _native) == 1;

    /// <summary>
    /// Sends <paramref name="ranges"/> of <paramref name="pinned"/> (an array allocated pinned) without waiting; returns
    /// the bytes the kernel took, 0 when the socket's buffer is full. A connection reset or closed by the peer throws
    /// <see cref="SocketException"/>.
    /// </summary>
    public static long Send(Socket socket, byte[] pinned, ReadOnlySpan<(int Offset, int Length)> ranges, List<ArraySegment<byte>> fallback)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ranges.Length, MaxRanges);
        if (Volatile.Read(ref _native) == 1)
        {
            try
            {
                return SendNative(socket, pinned, ranges);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                Volatile.Write(ref _native, 0);
            }
        }
        fallback.Clear();
        foreach (var (offset, length) in ranges) fallback.Add(new ArraySegment<byte>(pinned, offset, length));
        var sent = socket.Send(fallback, SocketFlags.None, out var error);
        return error switch
        {
            SocketError.Success => sent,
            SocketError.WouldBlock => 0,
            _ => throw new SocketException((int)error),
        };
    }

    private static long SendNative(Socket socket, byte[] pinned, ReadOnlySpan<(int Offset, int Length)> ranges)
    {
        var vectors = stackalloc IoVector[ranges.Length];
        var handle = socket.SafeHandle;
        var added = false;
        fixed (byte* start = pinned) // free for a pinned array; it only yields the address
        {
            for (var i = 0; i < ranges.Length; i++)
            {
                var (offset, length) = ranges[i];
                if ((uint)offset > (uint)pinned.Length || (uint)length > (uint)(pinned.Length - offset)) throw new ArgumentOutOfRangeException(nameof(ranges));
                vectors[i] = new IoVector { Base = start + offset, Length = (nuint)length };
            }
            var message = new MessageHeader { Vectors = vectors, VectorCount = (nuint)ranges.Length };
            try
            {
                handle.DangerousAddRef(ref added); // the descriptor cannot be closed and reused under the call
                while (true)
                {
                    var sent = SendMessage((int)handle.DangerousGetHandle(), &message, MsgDontWait | MsgNoSignal);
                    if (sent >= 0) return sent;
                    var errno = Marshal.GetLastPInvokeError();
                    switch (errno)
                    {
                        case EIntr: continue;
                        case EAgain: return 0;
                        case EPipe or EConnReset: throw new SocketException((int)SocketError.ConnectionReset);
                        default: throw new IOException($"sendmsg failed (errno {errno})");
                    }
                }
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMessage(int socket, MessageHeader* message, int flags);

    /// <summary><c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c> of glibc on 64-bit Linux (natural alignment gives its padding).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }
}
