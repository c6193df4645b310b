using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Satcar.Bench.Http1;

/// <summary>
/// The few libc calls the epoll engine needs that .NET does not expose: epoll itself, an eventfd to wake it, and a
/// non-blocking <c>connect</c> that reports "in progress" as a value instead of a thrown exception (one per
/// connection otherwise). Sends and receives go through <see cref="System.Net.Sockets.Socket"/>'s non-throwing
/// overloads, which map errno for us. The constants are Linux's generic ABI values, which x86-64 and arm64 share.
/// </summary>
internal static partial class LinuxInterop
{
    private const string LibC = "libc";

    /// <summary><c>EINTR</c>: a signal interrupted the call; it is made again.</summary>
    public const int Interrupted = 4;

    /// <summary><c>EINPROGRESS</c>: a non-blocking connect has started; EPOLLOUT says when it ended.</summary>
    public const int InProgress = 115;

    public const int EpollCloseOnExec = 0x80000;
    public const int EpollAdd = 1;
    public const int EpollModify = 3;
    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;

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

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
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
