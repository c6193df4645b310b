using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Satcar.Bench.Http1;

namespace Satcar.Bench.Measurement;

/// <summary>
/// Drives one target. Closed loop (ab's model): <c>-c</c> workers, each with its own connection, each sending its
/// next request when the previous one finished. Open loop (<c>--rate</c>, wrk2's model): a pacer releases request
/// <c>i</c> at its due time whether or not earlier ones have finished, <c>-c</c> workers send them, and latency runs
/// from the due time. A closed-loop http run on Linux goes on the <see cref="EpollLoop"/> (all workers on one
/// thread, as in ab); everything else on <see cref="Http1Connection"/>s over async sockets. Both hand their exchanges
/// to <see cref="ToSample"/>, so a request is timed and classified the same way whichever engine ran it.
/// </summary>
internal sealed class LoadRunner
{
    private readonly RequestTemplate _template;
    private readonly WireRequest _request;
    private readonly LoadSettings _settings;
    private readonly Connector _connector;
    private readonly RunProgress? _progress;
    private readonly RequestSample[] _samples;
    private readonly long _timeoutTicks;
    private readonly ClientEngine _engine;
    private readonly ConcurrentDictionary<FailureReason, string> _failureExamples = new();
    private long _next;
    private long _lastDone;
    private string? _serverSoftware;
    private long _documentLength = -1;

    private LoadRunner(RequestTemplate template, LoadSettings settings, RunProgress? progress)
    {
        _template = template;
        _request = template.ToWire(settings.KeepAlive);
        _settings = settings;
        _connector = new Connector(template.Url, settings.Insecure);
        _progress = progress;
        _samples = new RequestSample[settings.Requests];
        _timeoutTicks = (long)(settings.Timeout.TotalSeconds * Stopwatch.Frequency);
        _engine = settings.EngineFor(template.Url);
    }

    /// <summary>Runs the warm-up (if any), then the measured requests. Never throws for what the target does.</summary>
    public static async Task<RunResult> RunAsync(RequestTemplate template, LoadSettings settings, RunProgress? progress = null, CancellationToken cancellationToken = default)
    {
        if (settings.Warmup > 0)
        {
            var warmup = settings with { Requests = settings.Warmup, Concurrency = Math.Min(settings.Concurrency, settings.Warmup), Rate = null, TimeLimit = null, Warmup = 0 };
            await new LoadRunner(template, warmup, null).ExecuteAsync(cancellationToken);
        }

        return await new LoadRunner(template, settings, progress).ExecuteAsync(cancellationToken);
    }

    private async Task<RunResult> ExecuteAsync(CancellationToken cancellationToken)
    {
        using var runCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // The host is resolved before the clock starts, as ab does, so that no request's time includes it; a failure
        // shows up in every request that needs a connection.
        await ((Task)_connector.EndPointsAsync(runCts.Token)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return _engine == ClientEngine.Epoll ? await ExecuteOnEpollAsync(runCts) : await ExecuteOnWorkersAsync(runCts);
    }

    private async Task<RunResult> ExecuteOnEpollAsync(CancellationTokenSource runCts)
    {
        var runToken = runCts.Token;
        using var loop = new EpollLoop(
            _connector, new ResolvedTarget(_connector.EndPointsAsync(CancellationToken.None)), _request, WorkerCount, _settings.Timeout,
            _settings.TimeoutCheckPeriod, new EpollRun(this, runToken), runToken);
        var (startedAt, start) = Start(runCts);
        await Task.Factory.StartNew(loop.Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return Result(startedAt, start);
    }

    private async Task<RunResult> ExecuteOnWorkersAsync(CancellationTokenSource runCts)
    {
        var workers = Enumerable.Range(0, WorkerCount).Select(_ => new Worker(new Http1Connection(_connector), runCts.Token)).ToArray();
        var watchdog = new Watchdog(workers, _settings.TimeoutCheckPeriod);
        var (startedAt, start) = Start(runCts);
        try
        {
            if (_settings.Rate is { } rate)
            {
                // The schedule bounds an open-loop run; requests already due may finish (or time out) after the limit.
                var schedule = new RateSchedule(rate, Stopwatch.Frequency);
                var channel = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleWriter = true });
                var pacer = new Thread(() => Pace(schedule, start, channel.Writer, runCts.Token)) { IsBackground = true, Name = "bench pacer" };
                pacer.Start();
                await Task.WhenAll(workers.Select(w => Task.Run(() => OpenLoopAsync(w, schedule, start, channel.Reader, runCts.Token))));
                pacer.Join();
            }
            else
            {
                await Task.WhenAll(workers.Select(w => Task.Run(() => ClosedLoopAsync(w, runCts.Token))));
            }
        }
        finally
        {
            await watchdog.DisposeAsync();
            foreach (var worker in workers)
            {
                worker.Dispose();
            }
        }

        return Result(startedAt, start);
    }

    private int WorkerCount => Math.Max(1, Math.Min(_settings.Concurrency, _samples.Length));

    // The clock starts; ab stops a closed-loop run at the time limit and does not count what was still in flight (an
    // open-loop run is bounded by its schedule instead).
    private (DateTimeOffset StartedAt, long Start) Start(CancellationTokenSource runCts)
    {
        if (_settings.Rate is null && _settings.TimeLimit is { } limit)
        {
            runCts.CancelAfter(limit);
        }

        var startedAt = DateTimeOffset.UtcNow;
        var start = Stopwatch.GetTimestamp();
        _progress?.Started();
        return (startedAt, start);
    }

    private RunResult Result(DateTimeOffset startedAt, long start)
    {
        var end = Interlocked.Read(ref _lastDone);
        return new RunResult
        {
            Url = _template.Url,
            Settings = _settings,
            Samples = _samples,
            StartedAt = startedAt,
            StartTimestamp = start,
            ElapsedTicks = (end == 0 ? Stopwatch.GetTimestamp() : end) - start,
            ServerSoftware = _serverSoftware,
            DocumentLength = _documentLength >= 0 ? _documentLength : null,
            FailureExamples = new Dictionary<FailureReason, string>(_failureExamples),
        };
    }

    /// <summary>Keep the Server header of responses until the first complete one has given the document length.</summary>
    private bool CapturesServer => Volatile.Read(ref _documentLength) == -1;

    /// <summary>Claims the next request of a closed-loop run; false when every request has been claimed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryClaim(out int index)
    {
        var next = Interlocked.Increment(ref _next) - 1;
        index = next < _samples.Length ? (int)next : -1;
        return index >= 0;
    }

    private async Task ClosedLoopAsync(Worker worker, CancellationToken runToken)
    {
        while (!runToken.IsCancellationRequested && TryClaim(out var index))
        {
            _samples[index] = await MeasureAsync(worker, Stopwatch.GetTimestamp(), 0, runToken);
        }
    }

    private async Task OpenLoopAsync(Worker worker, RateSchedule schedule, long start, ChannelReader<int> due, CancellationToken runToken)
    {
        try
        {
            await foreach (var index in due.ReadAllAsync(runToken))
            {
                var scheduled = start + schedule.DueOffset(index);
                var lag = Math.Max(0, Stopwatch.GetTimestamp() - scheduled);
                _samples[index] = await MeasureAsync(worker, scheduled, lag, runToken);
            }
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            // Ctrl-C: what was sent is kept, the rest stays NotSent.
        }
    }

    /// <summary>
    /// Releases each request at its due time. It sleeps in 1 ms steps (the finest sleep the runtime offers) and yields
    /// the processor for the last millisecond, so requests leave within microseconds of their due time without
    /// holding a core when the rate is low.
    /// </summary>
    private void Pace(RateSchedule schedule, long start, ChannelWriter<int> writer, CancellationToken runToken)
    {
        try
        {
            var oneMillisecond = Stopwatch.Frequency / 1000;
            for (var index = 0; index < _samples.Length && !runToken.IsCancellationRequested; index++)
            {
                var due = start + schedule.DueOffset(index);
                long remaining;
                while ((remaining = due - Stopwatch.GetTimestamp()) > 0 && !runToken.IsCancellationRequested)
                {
                    if (remaining > 2 * oneMillisecond)
                    {
                        Thread.Sleep(1);
                    }
                    else
                    {
                        Thread.Yield();
                    }
                }

                writer.TryWrite(index);
            }
        }
        finally
        {
            writer.TryComplete();
        }
    }

    /// <summary>One request on a worker's connection (the async engine).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RequestSample> MeasureAsync(Worker worker, long start, long sendLag, CancellationToken runToken)
    {
        var token = worker.Arm(Stopwatch.GetTimestamp() + _timeoutTicks);
        var connection = worker.Connection;
        connection.Parser.CaptureServer = CapturesServer;
        var exchange = await connection.SendAsync(_request, token);
        var timedOut = worker.Disarm();
        return ToSample(exchange, connection.Parser, start, sendLag, timedOut, runToken.IsCancellationRequested);
    }

    /// <summary>
    /// One request, timed as ab does (performance.md §3.1): Total from <paramref name="start"/> (the scheduled time
    /// with <c>--rate</c>) to done, Connect the connection's set-up, Waiting from the end of the write to the first
    /// response byte. <paramref name="timedOut"/> says <c>-s</c> ended it; <paramref name="runCancelled"/> that the
    /// time limit or Ctrl-C had ended the run, so that a request cut short by it is abandoned rather than failed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private RequestSample ToSample(in Exchange exchange, ResponseParser parser, long start, long sendLag, bool timedOut, bool runCancelled)
    {
        var sample = new RequestSample
        {
            StartTimestamp = start,
            SendLagTicks = sendLag,
            ConnectTicks = exchange.ConnectTicks,
            TotalTicks = exchange.DoneTimestamp - start,
        };

        if (exchange.Completed && !timedOut)
        {
            sample.Outcome = SampleOutcome.Completed;
            sample.Status = (short)exchange.Status;
            sample.WaitTicks = Math.Max(0, exchange.FirstByteTimestamp - exchange.WriteEndTimestamp);
            sample.ReusedConnection = exchange.Connections == 0;
            sample.KeptAlive = exchange.KeptAlive;
            sample.WireBytes = exchange.WireBytes;
            sample.BodyBytes = exchange.BodyBytes;
            if (CapturesServer && Interlocked.CompareExchange(ref _documentLength, exchange.BodyBytes, -1) == -1)
            {
                _serverSoftware = parser.Server ?? "";
            }
        }
        else if (exchange.Error is not null && !timedOut && runCancelled)
        {
            // Still in flight when the time limit or Ctrl-C ended the run; the cancelled operation may surface as an
            // I/O error rather than a cancellation.
            sample.Outcome = SampleOutcome.Abandoned;
            return sample;
        }
        else
        {
            sample.Outcome = SampleOutcome.Failed;
            sample.Failure = FailureReasons.Classify(exchange, timedOut);
            if (!_failureExamples.ContainsKey(sample.Failure))
            {
                _failureExamples.TryAdd(sample.Failure, Describe(exchange, timedOut));
            }
        }

        Finish(exchange.DoneTimestamp);
        return sample;
    }

    private void Finish(long done)
    {
        long last;
        while (done > (last = Interlocked.Read(ref _lastDone)) && Interlocked.CompareExchange(ref _lastDone, done, last) != last)
        {
        }

        _progress?.Finished();
    }

    private string Describe(in Exchange exchange, bool timedOut)
    {
        var seconds = $"{_settings.Timeout.TotalSeconds:0.###} s";
        if (timedOut)
        {
            return exchange.Phase switch
            {
                ExchangePhase.Connecting => $"no connection within {seconds}",
                ExchangePhase.Handshake => $"no TLS handshake within {seconds}",
                ExchangePhase.AwaitingClose => $"the response was complete but the connection was not closed within {seconds} (Connection: close)",
                _ => $"no complete response within {seconds}",
            };
        }

        return exchange.Error is { } error
            ? Describe(error)
            : exchange.Read switch
            {
                ReadOutcome.Invalid => $"invalid response: {exchange.Detail}",
                ReadOutcome.ClosedBeforeResponse => "the server closed the connection before sending a response",
                _ => $"the server closed the connection after {exchange.WireBytes} bytes, before the end of the response",
            };
    }

    // The outer message usually names the endpoint and repeats the cause; an inner one is kept only when it adds to it.
    private static string Describe(Exception e)
    {
        var messages = new List<string>();
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (!messages.Any(m => m.Contains(current.Message, StringComparison.Ordinal)))
            {
                messages.Add(current.Message);
            }
        }

        return string.Join(" → ", messages);
    }

    /// <summary>
    /// A worker's connection and its <c>-s</c> timer. The timer is a deadline the <see cref="Watchdog"/> checks, so that
    /// arming it per request costs a lock and a store instead of a timer change; when it fires it cancels the token of
    /// the request in flight, which is then replaced for the next one.
    /// </summary>
    private sealed class Worker : IDisposable
    {
        private readonly Lock _lock = new();
        private readonly CancellationToken _runToken;
        private CancellationTokenSource _cancel;
        private long _deadline;
        private bool _timedOut;
        private bool _spent;

        public Worker(Http1Connection connection, CancellationToken runToken)
        {
            Connection = connection;
            _runToken = runToken;
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(runToken);
        }

        public Http1Connection Connection { get; }

        /// <summary>Starts the timer of a request; the token is cancelled at the deadline or when the run ends.</summary>
        public CancellationToken Arm(long deadline)
        {
            lock (_lock)
            {
                if (_spent)
                {
                    // The watchdog cancelled the previous source and disposes it; this one is new.
                    _cancel = CancellationTokenSource.CreateLinkedTokenSource(_runToken);
                    _spent = false;
                }

                _timedOut = false;
                _deadline = deadline;
                return _cancel.Token;
            }
        }

        /// <summary>Stops the timer; true when it had fired, so the request took longer than <c>-s</c>.</summary>
        public bool Disarm()
        {
            lock (_lock)
            {
                _deadline = 0;
                return _timedOut;
            }
        }

        /// <summary>Called by the watchdog: cancels the request in flight if it is past its deadline.</summary>
        public void CancelIfOverdue(long now)
        {
            CancellationTokenSource overdue;
            lock (_lock)
            {
                if (_deadline == 0 || now <= _deadline)
                {
                    return;
                }

                _deadline = 0;
                _timedOut = true;
                _spent = true;
                overdue = _cancel;
            }

            overdue.Cancel();
            overdue.Dispose();
        }

        public void Dispose()
        {
            Connection.Dispose();
            lock (_lock)
            {
                if (!_spent)
                {
                    _cancel.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// Checks every worker's deadline on a timer, every <see cref="LoadSettings.TimeoutCheckPeriod"/>, so a request
    /// times out at most that much after its limit.
    /// </summary>
    private sealed class Watchdog : IAsyncDisposable
    {
        private readonly Timer _timer;

        public Watchdog(Worker[] workers, TimeSpan period)
        {
            _timer = new Timer(
                static state =>
                {
                    var now = Stopwatch.GetTimestamp();
                    foreach (var worker in (Worker[])state!)
                    {
                        worker.CancelIfOverdue(now);
                    }
                },
                workers,
                period,
                period);
        }

        public ValueTask DisposeAsync() => _timer.DisposeAsync();
    }

    /// <summary>The run as the <see cref="EpollLoop"/> sees it: the same claiming and the same samples as the async engine's.</summary>
    private sealed class EpollRun(LoadRunner runner, CancellationToken runToken) : IClosedLoopRun
    {
        public bool CapturesServer => runner.CapturesServer;

        public bool TryClaim(out int request) => runner.TryClaim(out request);

        public void Finished(int request, long start, in Exchange exchange, ResponseParser parser, bool timedOut) =>
            runner._samples[request] = runner.ToSample(exchange, parser, start, 0, timedOut, runToken.IsCancellationRequested);
    }
}
