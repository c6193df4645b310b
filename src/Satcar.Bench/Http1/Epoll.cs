using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;

namespace Satcar.Bench.Http1;

/// <summary>
/// One epoll instance with its buffer of ready events and an eventfd that wakes a wait from another thread. Level
/// triggered, as ab's poll loop is: a socket stays ready until it has been read or written, so the engine does one
/// operation per readiness and never reads ahead into an empty socket.
/// </summary>
internal sealed class Epoll : IDisposable
{
    /// <summary>The token of the wake-up eventfd's events; connections use their slot number.</summary>
    public const ulong WakeToken = ulong.MaxValue;

    // struct epoll_event is { uint32 events; uint64 data; }, packed on x86 (the kernel's EPOLL_PACKED) and naturally
    // aligned elsewhere, so its size and the data's offset depend on the architecture.
    private static readonly bool s_packed = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86;
    private static readonly int s_eventSize = s_packed ? 12 : 16;
    private static readonly int s_dataOffset = s_packed ? 4 : 8;

    private readonly FileDescriptorHandle _epoll;
    private readonly FileDescriptorHandle _wake;
    private readonly byte[] _events;

    /// <param name="maxEvents">Most ready events one <see cref="Wait"/> returns.</param>
    public Epoll(int maxEvents)
    {
        _epoll = LinuxInterop.EpollCreate(LinuxInterop.CloseOnExec);
        if (_epoll.IsInvalid)
        {
            throw new SocketException();
        }

        _wake = LinuxInterop.EventFd(0, LinuxInterop.NonBlocking | LinuxInterop.CloseOnExec);
        if (_wake.IsInvalid)
        {
            var error = new SocketException();
            _epoll.Dispose();
            throw error;
        }

        _events = new byte[maxEvents * s_eventSize];
        if (Control(LinuxInterop.EpollAdd, _wake.Value, LinuxInterop.EpollIn, WakeToken) is { } failed)
        {
            Dispose();
            throw failed;
        }
    }

    /// <summary>Starts watching <paramref name="fd"/> for <paramref name="events"/>; null, or what went wrong.</summary>
    public SocketException? Add(int fd, uint events, ulong token) => Control(LinuxInterop.EpollAdd, fd, events, token);

    /// <summary>Changes what <paramref name="fd"/> is watched for; null, or what went wrong.</summary>
    public SocketException? Modify(int fd, uint events, ulong token) => Control(LinuxInterop.EpollModify, fd, events, token);

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> for ready descriptors; returns how many (0 on a timeout or a signal).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Wait(int timeoutMilliseconds)
    {
        var ready = LinuxInterop.EpollWait(_epoll.Value, ref MemoryMarshal.GetArrayDataReference(_events), _events.Length / s_eventSize, timeoutMilliseconds);
        if (ready >= 0)
        {
            return ready;
        }

        return Marshal.GetLastPInvokeError() == LinuxInterop.Interrupted ? 0 : throw new SocketException();
    }

    /// <summary>The token of the <paramref name="index"/>th ready descriptor of the last <see cref="Wait"/>.</summary>
    public ulong ReadyToken(int index) => MemoryMarshal.Read<ulong>(_events.AsSpan((index * s_eventSize) + s_dataOffset));

    /// <summary>Makes the current or next <see cref="Wait"/> return at once; safe from any thread while this instance lives.</summary>
    public void Wake()
    {
        ulong one = 1;
        LinuxInterop.Write(_wake.Value, ref one, sizeof(ulong));
    }

    public void Dispose()
    {
        _wake.Dispose();
        _epoll.Dispose();
    }

    private SocketException? Control(int operation, int fd, uint events, ulong token)
    {
        Span<byte> epollEvent = stackalloc byte[s_eventSize];
        MemoryMarshal.Write(epollEvent, in events);
        MemoryMarshal.Write(epollEvent[s_dataOffset..], in token);
        return LinuxInterop.EpollControl(_epoll.Value, operation, fd, ref MemoryMarshal.GetReference(epollEvent)) == 0 ? null : new SocketException();
    }
}
