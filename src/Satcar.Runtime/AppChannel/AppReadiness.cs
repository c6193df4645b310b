using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Satcar.Runtime.AppChannel;

/// <summary>
/// Waits for the app to accept TCP connections, as daprd does before it reports ready: a dial to
/// the app's host and port every 100 ms until one succeeds. Without an app it is ready at once.
/// </summary>
public sealed partial class AppReadiness(AppChannel channel, ILogger<AppReadiness> logger, TimeProvider timeProvider) : BackgroundService
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_dialTimeout = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource _reached = NewReached(channel.BaseUri is null);
    private volatile bool _reachable = channel.BaseUri is null;

    /// <summary>True once the app accepted a connection (or when there is no app).</summary>
    public bool IsReachable => _reachable;

    /// <summary>Completes once the app accepted a connection (at once when there is no app).</summary>
    public Task Reached => _reached.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (channel.BaseUri is not { } uri)
        {
            return;
        }

        Log.WaitingForApp(logger, uri.Host, uri.Port);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (await CanConnectAsync(uri, stoppingToken))
            {
                _reachable = true;
                _reached.TrySetResult();
                Log.AppReachable(logger, uri.Host, uri.Port);
                return;
            }

            try
            {
                await Task.Delay(s_interval, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static TaskCompletionSource NewReached(bool already)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (already)
        {
            reached.SetResult();
        }

        return reached;
    }

    private static async Task<bool> CanConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_dialTimeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(uri.IdnHost, uri.Port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "Waiting for the app to accept connections on {Host}:{Port}")]
        public static partial void WaitingForApp(ILogger logger, string host, int port);

        [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "The app accepts connections on {Host}:{Port}")]
        public static partial void AppReachable(ILogger logger, string host, int port);
    }
}
