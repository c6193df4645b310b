using System.Net.Sockets;
using System.Security.Authentication;
using Satcar.Bench.Http1;

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
    /// Classifies an exchange that got no complete response. <paramref name="timedOut"/> comes from the worker's timer
    /// (<c>-s</c>), which decides over whatever the cancelled operation threw; a timeout before the connection was up
    /// is a connect timeout.
    /// </summary>
    public static FailureReason Classify(in Exchange exchange, bool timedOut)
    {
        if (timedOut)
        {
            return exchange.Phase is ExchangePhase.Connecting or ExchangePhase.Handshake ? FailureReason.ConnectTimeout : FailureReason.Timeout;
        }

        if (exchange.Error is null)
        {
            return exchange.Read switch
            {
                ReadOutcome.Invalid => FailureReason.InvalidResponse,
                ReadOutcome.ClosedBeforeResponse => FailureReason.ClosedBeforeResponse,
                ReadOutcome.ClosedMidResponse => FailureReason.ClosedMidResponse,
                _ => FailureReason.Other,
            };
        }

        if (exchange.Phase == ExchangePhase.Handshake)
        {
            return FailureReason.Tls;
        }

        for (var e = exchange.Error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException socket:
                    return FromSocket(socket.SocketErrorCode, exchange);
                case AuthenticationException:
                    return FailureReason.Tls;
            }
        }

        return FailureReason.Other;
    }

    private static FailureReason FromSocket(SocketError error, in Exchange exchange) => error switch
    {
        SocketError.ConnectionRefused => FailureReason.ConnectRefused,
        SocketError.TimedOut => exchange.Phase == ExchangePhase.Connecting ? FailureReason.ConnectTimeout : FailureReason.Timeout,
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown => FailureReason.Unreachable,
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => FailureReason.NameResolution,
        SocketError.ConnectionReset or SocketError.ConnectionAborted => FailureReason.Reset,
        SocketError.Shutdown => exchange.WireBytes > 0 ? FailureReason.ClosedMidResponse : FailureReason.ClosedBeforeResponse,
        _ => FailureReason.Other,
    };
}
