namespace Satcar.Bench.Measurement;

/// <summary>Which measuring client drives a run.</summary>
internal enum ClientEngine : byte
{
    /// <summary>Epoll where it can run (a closed-loop http run on Linux), async otherwise.</summary>
    Auto,

    /// <summary><see cref="Http1.Http1Connection"/> on .NET's async sockets: https, <c>--rate</c>, and platforms without epoll.</summary>
    Async,

    /// <summary><see cref="Http1.EpollLoop"/>: every connection on one thread, as ab's loop.</summary>
    Epoll,
}
