using System.Net.Sockets;
using System.Security.Authentication;

namespace Satcar.Bench.Measurement;

/// <summary>Why a request got no complete response. ab only counts "Connect", "Receive", "Length" and "Exceptions".</summary>
internal enum FailureReason
{
    None = 0,
    ConnectRefused,
    ConnectTimeout,
    Unreachable,
    NameResolution,
    Reset,
    ClosedBeforeResponse,
    ClosedMidResponse,
    Timeout,
    InvalidResponse,
    Tls,
    Other,
}

internal static class FailureReasons
{
    /// <summary>The label printed and written to JSON for a reason.</summary>
    public static string Label(this FailureReason reason) => reason switch
    {
        FailureReason.None => "none",
        FailureReason.ConnectRefused => "connect refused",
        FailureReason.ConnectTimeout => "connect timeout",
        FailureReason.Unreachable => "host unreachable",
        FailureReason.NameResolution => "name resolution",
        FailureReason.Reset => "connection reset",
        FailureReason.ClosedBeforeResponse => "closed before response",
        FailureReason.ClosedMidResponse => "closed mid-response",
        FailureReason.Timeout => "timeout",
        FailureReason.InvalidResponse => "invalid response",
        FailureReason.Tls => "tls handshake",
        _ => "other",
    };

    /// <summary>
    /// Classifies what a request threw. <paramref name="headersReceived"/> separates a server that closes before it
    /// answers from one that closes in the middle of the body; a timeout is decided by the caller, which owns the timer.
    /// </summary>
    public static FailureReason Classify(Exception exception, bool headersReceived)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException socket:
                    return FromSocket(socket.SocketErrorCode, headersReceived);
                case AuthenticationException:
                    return FailureReason.Tls;
                case HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }:
                    return FailureReason.NameResolution;
                case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError }:
                    return FailureReason.Tls;
                case HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse }:
                case HttpIOException { HttpRequestError: HttpRequestError.InvalidResponse }:
                    return FailureReason.InvalidResponse;
                case HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded }:
                case HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded }:
                    return e.InnerException is SocketException inner
                        ? FromSocket(inner.SocketErrorCode, headersReceived)
                        : headersReceived ? FailureReason.ClosedMidResponse : FailureReason.ClosedBeforeResponse;
            }
        }

        return FailureReason.Other;
    }

    private static FailureReason FromSocket(SocketError error, bool headersReceived) => error switch
    {
        SocketError.ConnectionRefused => FailureReason.ConnectRefused,
        SocketError.TimedOut => FailureReason.ConnectTimeout,
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown => FailureReason.Unreachable,
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => FailureReason.NameResolution,
        SocketError.ConnectionReset or SocketError.ConnectionAborted => FailureReason.Reset,
        SocketError.Shutdown => headersReceived ? FailureReason.ClosedMidResponse : FailureReason.ClosedBeforeResponse,
        _ => FailureReason.Other,
    };
}
