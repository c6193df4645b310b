using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Satcar.Bench.Http1;

/// <summary>
/// The few libc calls the epoll engine needs that .NET does not expose: epoll itself, an eventfd to wake it, and a
/// non-blocking <c>connect</c> that reports "in progress" as a value instead of a thrown exception (one per
/// connection otherwise). Sends and receives call libc directly too: <see cref="System.Net.Sockets.Socket"/>'s
/// non-throwing overloads add a reference count and error mapping to every call, which cost the client 5–8% of its
/// throughput at <c>-k -c 4</c> with the generator on one CPU (interleaved runs against the same Kestrel target).
/// So are the sockets themselves (<see cref="OpenStreamSocket"/>): a <see cref="System.Net.Sockets.Socket"/> per
/// connection added objects, a finalizer registration and two <c>fcntl</c> calls to every new connection, which a run
/// without keep-alive pays per request; with generator and server on one CPU, GET without keep-alive (the seed's ab
/// command) measured 1.06× ab's mean with them and 1.00× without (15 interleaved triples each).
/// A failed call's errno stays readable for <c>new SocketException()</c>, which maps it as .NET's own calls do. The
/// constants are Linux's generic ABI values, which x86-64 and arm64 share.
/// </summary>
internal static partial class LinuxInterop
{
    private const string LibC = "libc";

    /// <summary><c>EINTR</c>: a signal interrupted the call; it is made again.</summary>
    public const int Interrupted = 4;

    /// <summary><c>EAGAIN</c> (also <c>EWOULDBLOCK</c>): a non-blocking socket has nothing to read or no room to write.</summary>
    public const int WouldBlock = 11;

    /// <summary><c>EINPROGRESS</c>: a non-blocking connect has started; EPOLLOUT says when it ended.</summary>
    public const int InProgress = 115;

    /// <summary><c>O_CLOEXEC</c>, which epoll_create1, eventfd and socket all take: not inherited by child processes.</summary>
    public const int CloseOnExec = 0x80000;

    /// <summary><c>O_NONBLOCK</c>, which eventfd and socket take: calls return EAGAIN instead of waiting.</summary>
    public const int NonBlocking = 0x800;

    public const int EpollAdd = 1;
    public const int EpollModify = 3;
    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;

    /// <summary><c>MSG_NOSIGNAL</c>: a send on a connection the peer closed fails with EPIPE instead of raising SIGPIPE.</summary>
    public const int NoSignal = 0x4000;

    /// <summary><c>EAFNOSUPPORT</c>: an address family the engine cannot open a socket for.</summary>
    private const int FamilyNotSupported = 97;
    private const int InternetFamily = 2;
    private const int Internet6Family = 10;

    private const int Stream = 1;
    private const int TcpProtocol = 6;
    private const int TcpNoDelay = 1;
    private const int SocketLevel = 1;
    private const int SocketErrorOption = 4;

    [LibraryImport(LibC, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial FileDescriptorHandle EpollCreate(int flags);

    [LibraryImport(LibC, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollControl(int epoll, int operation, int fd, ref byte epollEvent);

    [LibraryImport(LibC, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epoll, ref byte epollEvents, int maxEvents, int timeoutMilliseconds);

    [LibraryImport(LibC, EntryPoint = "eventfd", SetLastError = true)]
    public static partial FileDescriptorHandle EventFd(uint initialValue, int flags);

    [LibraryImport(LibC, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, ref ulong value, nint count);

    [LibraryImport(LibC, EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int socket, byte[] address, int addressLength);

    [LibraryImport(LibC, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int socket, ref byte buffer, nint length, int flags);

    [LibraryImport(LibC, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Receive(int socket, ref byte buffer, nint length, int flags);

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(LibC, EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(LibC, EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSocketOption(int socket, int level, int name, ref int value, uint length);

    [LibraryImport(LibC, EntryPoint = "getsockopt", SetLastError = true)]
    private static partial int GetSocketOption(int socket, int level, int name, ref int value, ref uint length);

    /// <summary>
    /// A non-blocking TCP socket for <paramref name="family"/> with Nagle off (so that the rest of a request too large
    /// for one send leaves at once instead of waiting for the server's delayed ACK); its descriptor, or -1 with errno
    /// set. The caller closes it with <see cref="Close"/>.
    /// </summary>
    public static int OpenStreamSocket(AddressFamily family)
    {
        var domain = family switch
        {
            AddressFamily.InterNetwork => InternetFamily,
            AddressFamily.InterNetworkV6 => Internet6Family,
            _ => -1,
        };
        if (domain < 0)
        {
            Marshal.SetLastPInvokeError(FamilyNotSupported);
            return -1;
        }

        var fd = Socket(domain, Stream | NonBlocking | CloseOnExec, TcpProtocol);
        var on = 1;
        if (fd >= 0 && SetSocketOption(fd, TcpProtocol, TcpNoDelay, ref on, sizeof(int)) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            Close(fd);
            Marshal.SetLastPInvokeError(error);
            return -1;
        }

        return fd;
    }

    /// <summary>How a non-blocking connect ended (<c>SO_ERROR</c>): null when it connected, otherwise the error.</summary>
    public static SocketException? ConnectResult(int socket)
    {
        var error = 0;
        var length = (uint)sizeof(int);
        if (GetSocketOption(socket, SocketLevel, SocketErrorOption, ref error, ref length) != 0)
        {
            return new SocketException();
        }

        if (error == 0)
        {
            return null;
        }

        Marshal.SetLastPInvokeError(error);
        return new SocketException();
    }

    /// <summary>After a call on a non-blocking socket failed: true when it only has to wait for readiness (EAGAIN, EINTR).</summary>
    public static bool MustWait() => Marshal.GetLastPInvokeError() is WouldBlock or Interrupted;
}

/// <summary>A file descriptor the engine owns (an epoll instance, an eventfd), closed exactly once.</summary>
internal sealed class FileDescriptorHandle : SafeHandleMinusOneIsInvalid
{
    public FileDescriptorHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>
    /// The descriptor for a call. Its owner disposes it only after its last call (and after the cancellation callback
    /// that may write to it is unregistered), so it cannot be closed underneath a call and needs no reference count.
    /// </summary>
    public int Value => (int)handle;

    protected override bool ReleaseHandle() => LinuxInterop.Close((int)handle) == 0;
}
