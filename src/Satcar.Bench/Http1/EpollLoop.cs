using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Satcar.Bench.Http1;

/// <summary>
/// The closed-loop engine on Linux: every worker's connection on one thread, driven by one level-triggered epoll
/// instance, as ab's single loop is. It exists because .NET's async sockets cost more CPU per request than that loop
/// (an eager receive that finds nothing, the hand-off from the runtime's epoll thread to the thread pool, the async
/// state machines), and on a machine where client and server share the cores that CPU is taken from the server and
/// shows up as latency: at <c>-k -c 4</c> on 2 vCPUs the async engine's mean was 1.26–1.35× ab's, this one's
/// 0.90–1.15× (medians of interleaved rounds; bench/results/*-ab-agreement.md). A kept-alive request costs a send,
/// an epoll_wait and a receive, as in ab, and allocates nothing.
/// <para>
/// The methods a request passes through (this loop, <see cref="EpollConnection"/>, <see cref="ResponseReader"/>,
/// <see cref="ResponseParser"/>, <see cref="Exchange"/>, and the run's claiming and sampling) are compiled fully
/// optimized at once (<see cref="MethodImplOptions.AggressiveOptimization"/>). Under tiered compilation much of a run
/// went through unoptimized, instrumented or on-stack-replacement code: with the generator on one CPU at
/// <c>-k -c 4</c> the client spent 6–7 µs of user CPU per request instead of 3–5, and its throughput was 0.8× ab's;
/// compiled at once it matched ab's in interleaved runs. The code that measures also no longer changes during a run.
/// </para>
/// </summary>
internal sealed class EpollLoop : IDisposable
{
    /// <summary>Most ready sockets taken from one epoll_wait; more wait for the next one, which returns at once.</summary>
    private const int MaxEventsPerWait = 256;

    private readonly Epoll _epoll;
    private readonly EpollConnection[] _connections;
    private readonly IClosedLoopRun _run;
    private readonly CancellationToken _runToken;
    private readonly long _checkPeriodTicks;
    private int _busy;

    /// <param name="connector">Opens nothing here; it keeps the address that last connected, which is tried first.</param>
    /// <param name="target">The run's resolved addresses.</param>
    /// <param name="request">What every request sends.</param>
    /// <param name="connections">The workers (<c>-c</c>), each with its own connection.</param>
    /// <param name="timeout">ab's <c>-s</c>, per request.</param>
    /// <param name="timeoutCheckPeriod">How often deadlines are checked, as the async engine's watchdog does.</param>
    /// <param name="run">Hands out the requests and takes the finished exchanges.</param>
    /// <param name="runToken">The time limit and Ctrl-C; requests in flight when it fires are abandoned.</param>
    public EpollLoop(
        Connector connector, ResolvedTarget target, WireRequest request, int connections, TimeSpan timeout, TimeSpan timeoutCheckPeriod, IClosedLoopRun run, CancellationToken runToken)
    {
        _run = run;
        _runToken = runToken;
        _checkPeriodTicks = TicksOf(timeoutCheckPeriod);
        _epoll = new Epoll(Math.Min(connections + 1, MaxEventsPerWait));
        var timeoutTicks = TicksOf(timeout);
        _connections = [.. Enumerable.Range(0, connections).Select(slot => new EpollConnection(slot, _epoll, connector, target, request, timeoutTicks, run, runToken))];
    }

    /// <summary>Runs the requests on the calling thread until the run has none left or is cancelled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run()
    {
        // The wake-up is unregistered (waiting for a callback in progress) before the eventfd it writes is closed.
        using var wake = _runToken.UnsafeRegister(static epoll => ((Epoll)epoll!).Wake(), _epoll);
        _busy = _connections.Length;
        foreach (var connection in _connections)
        {
            Next(connection);
        }

        var nextCheck = Stopwatch.GetTimestamp() + _checkPeriodTicks;
        while (_busy > 0)
        {
            if (_runToken.IsCancellationRequested)
            {
                AbandonAll();
                return;
            }

            var now = Stopwatch.GetTimestamp();
            if (now >= nextCheck)
            {
                TimeOutOverdue(now);
                nextCheck = now + _checkPeriodTicks;
                continue;
            }

            var ready = _epoll.Wait(MillisecondsUntil(nextCheck - now));
            for (var i = 0; i < ready; i++)
            {
                var token = _epoll.ReadyToken(i);
                if (token == Epoll.WakeToken)
                {
                    continue;
                }

                var connection = _connections[(int)token];
                if (connection.OnReady())
                {
                    Next(connection);
                }
            }
        }
    }

    public void Dispose()
    {
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }

        _epoll.Dispose();
    }

    // A worker whose request ended takes the next one at once, as the async engine's closed loop does; a request that
    // ends without waiting (a refused connect) is followed by the next in the same way. With none left it goes idle.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Next(EpollConnection connection)
    {
        while (!_runToken.IsCancellationRequested && _run.TryClaim(out var request))
        {
            if (!connection.Begin(request))
            {
                return;
            }
        }

        connection.Close();
        _busy--;
    }

    private void TimeOutOverdue(long now)
    {
        foreach (var connection in _connections)
        {
            if (connection.IsOverdue(now) && connection.TimeOut())
            {
                Next(connection);
            }
        }
    }

    private void AbandonAll()
    {
        foreach (var connection in _connections)
        {
            if (connection.Busy && connection.Abandon())
            {
                connection.Close();
                _busy--;
            }
        }
    }

    private static long TicksOf(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static int MillisecondsUntil(long ticks) => (int)Math.Ceiling(ticks * 1000.0 / Stopwatch.Frequency);
}
