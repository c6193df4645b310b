using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Satcar.Bench.Http1;

/// <summary>
/// The few libc calls the epoll engine needs that .NET does not expose: epoll itself, an eventfd to wake it, and a
/// non-blocking <c>connect</c> that reports "in progress" as a value instead of a thrown exception (one per
/// connection otherwise). Sends and receives call libc directly too: <see cref="System.Net.Sockets.Socket"/>'s
/// non-throwing overloads add a reference count and error mapping to every call, which cost the client 5–8% of its
/// throughput at <c>-k -c 4</c> with the generator on one CPU (interleaved runs against the same Kestrel target).
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

    public const int EpollCloseOnExec = 0x80000;
    public const int EpollAdd = 1;
    public const int EpollModify = 3;
    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;

    /// <summary><c>MSG_NOSIGNAL</c>: a send on a connection the peer closed fails with EPIPE instead of raising SIGPIPE.</summary>
    public const int NoSignal = 0x4000;

    public const int EventFdNonBlocking = 0x800;
    public const int EventFdCloseOnExec = 0x80000;

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
