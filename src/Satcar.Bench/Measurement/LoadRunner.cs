using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;

namespace Satcar.Bench.Measurement;

/// <summary>
/// Drives one target. Closed loop (ab's model): <c>-c</c> workers, each with its own connection, each sending its
/// next request when the previous one finished. Open loop (<c>--rate</c>, wrk2's model): a pacer releases request
/// <c>i</c> at its due time whether or not earlier ones have finished, <c>-c</c> workers send them, and latency runs
/// from the due time.
/// </summary>
internal sealed class LoadRunner
{
    private readonly RequestTemplate _template;
    private readonly LoadSettings _settings;
    private readonly Connector _connector;
    private readonly RunProgress? _progress;
    private readonly RequestSample[] _samples;
    private readonly ConcurrentDictionary<FailureReason, string> _failureExamples = new();
    private long _next;
    private long _lastDone;
    private string? _serverSoftware;
    private long _documentLength = -1;

    private LoadRunner(RequestTemplate template, LoadSettings settings, RunProgress? progress)
    {
        _template = template;
        _settings = settings;
        _connector = new Connector(template.Url, settings.Insecure);
        _progress = progress;
        _samples = new RequestSample[settings.Requests];
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
        var workers = Enumerable.Range(0, Math.Max(1, Math.Min(_settings.Concurrency, _samples.Length)))
            .Select(_ => new Worker(_connector, _settings.Timeout, runCts.Token))
            .ToList();
        var startedAt = DateTimeOffset.UtcNow;
        var start = Stopwatch.GetTimestamp();
        _progress?.Started();
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
                // ab stops at the time limit and does not count what was still in flight.
                if (_settings.TimeLimit is { } limit)
                {
                    runCts.CancelAfter(limit);
                }

                await Task.WhenAll(workers.Select(w => Task.Run(() => ClosedLoopAsync(w, runCts.Token))));
            }
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Dispose();
            }
        }

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

    private async Task ClosedLoopAsync(Worker worker, CancellationToken runToken)
    {
        while (!runToken.IsCancellationRequested)
        {
            var index = Interlocked.Increment(ref _next) - 1;
            if (index >= _samples.Length)
            {
                return;
            }

            var start = Stopwatch.GetTimestamp();
            _samples[index] = await MeasureAsync(worker, start, 0, runToken);
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

    private async Task<RequestSample> MeasureAsync(Worker worker, long start, long sendLag, CancellationToken runToken)
    {
        var timeline = worker.Timeline;
        var sample = new RequestSample { StartTimestamp = start, SendLagTicks = sendLag };
        var headersReceived = false;
        timeline.BeginRequest();
        var timeout = worker.StartTimeout(_settings.Timeout);
        try
        {
            using var request = _template.Create(_settings.KeepAlive);
            using var response = await worker.Invoker.SendAsync(request, timeout);
            headersReceived = true;
            long bodyBytes = 0;
            await using (var body = await response.Content.ReadAsStreamAsync(timeout))
            {
                int read;
                while ((read = await body.ReadAsync(worker.Buffer, timeout)) > 0)
                {
                    bodyBytes += read;
                }
            }

            var done = Stopwatch.GetTimestamp();
            sample.Outcome = SampleOutcome.Completed;
            sample.Status = (short)response.StatusCode;
            sample.ConnectTicks = timeline.ConnectTicks;
            sample.TotalTicks = done - start;
            var wait = timeline.WaitTicks;
            sample.WaitTicks = wait >= 0 ? wait : sample.ProcessingTicks;
            sample.ReusedConnection = timeline.Connections == 0;
            sample.KeptAlive = _settings.KeepAlive && response.Headers.ConnectionClose != true;
            sample.WireBytes = timeline.WireBytesRead;
            sample.BodyBytes = bodyBytes;
            if (Interlocked.CompareExchange(ref _documentLength, bodyBytes, -1) == -1)
            {
                _serverSoftware = response.Headers.Server.ToString();
            }

            Finish(done);
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            sample.Outcome = SampleOutcome.Abandoned;
        }
        catch (Exception e)
        {
            var done = Stopwatch.GetTimestamp();
            sample.Outcome = SampleOutcome.Failed;
            sample.Failure = e is OperationCanceledException ? FailureReason.Timeout : FailureReasons.Classify(e, headersReceived);
            sample.ConnectTicks = timeline.ConnectTicks;
            sample.TotalTicks = done - start;
            _failureExamples.TryAdd(sample.Failure, e is OperationCanceledException
                ? $"no complete response within {_settings.Timeout.TotalSeconds:0.###} s"
                : Describe(e));
            Finish(done);
        }

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

    /// <summary>A worker's connection, its timeline, its read buffer and its per-request timer.</summary>
    private sealed class Worker : IDisposable
    {
        private readonly CancellationToken _runToken;
        private CancellationTokenSource _timeout;

        public Worker(Connector connector, TimeSpan timeout, CancellationToken runToken)
        {
            _runToken = runToken;
            _timeout = CancellationTokenSource.CreateLinkedTokenSource(runToken);
            Invoker = new HttpMessageInvoker(connector.CreateHandler(Timeline, timeout), disposeHandler: true);
        }

        public ConnectionTimeline Timeline { get; } = new();

        public HttpMessageInvoker Invoker { get; }

        public byte[] Buffer { get; } = new byte[16 * 1024];

        /// <summary>Arms <c>-s</c> for the next request, reusing the timer unless it fired.</summary>
        public CancellationToken StartTimeout(TimeSpan timeout)
        {
            if (!_timeout.TryReset())
            {
                _timeout.Dispose();
                _timeout = CancellationTokenSource.CreateLinkedTokenSource(_runToken);
            }

            _timeout.CancelAfter(timeout);
            return _timeout.Token;
        }

        public void Dispose()
        {
            Invoker.Dispose();
            _timeout.Dispose();
        }
    }
}
