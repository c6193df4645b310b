using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using Satcar.Up.Output;
using Satcar.Up.Processes;
using Satcar.Up.Topology;

namespace Satcar.Up.Supervision;

/// <summary>How one run goes: from the command line of <c>satcar up</c>.</summary>
internal sealed record UpOptions
{
    /// <summary>Stop after this long once everything is up; null to run until stopped.</summary>
    public TimeSpan? For { get; init; }

    /// <summary>A file listing every PID the run started or found below those, kept up to date.</summary>
    public string? PidFile { get; init; }

    /// <summary>Skip the apps' <c>build</c> commands.</summary>
    public bool NoBuild { get; init; }

    /// <summary>How long a process has between SIGTERM and SIGKILL.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Runs a topology: builds, then each stage (redis, satcars, links, apps) until healthy, then waits
/// for Ctrl-C/SIGTERM, the end of <c>--for</c>, or a process that dies. Whatever happens, it stops
/// every process it started, and their descendants, by PID, in the reverse order.
/// </summary>
internal sealed class Supervisor
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan TrackInterval = TimeSpan.FromSeconds(1);

    // Ctrl-C in a terminal reaches the whole process group at once, so an app may exit on it a moment
    // before satcar up's own handler has run; an exit this close to a stop request is not a failure.
    private static readonly TimeSpan SignalRace = TimeSpan.FromMilliseconds(300);

    private readonly TopologyDefinition _topology;
    private readonly UpOptions _options;
    private readonly PrefixedOutput _output;
    private readonly ProcessRegistry _registry;
    private readonly List<RunningProcess> _running = [];
    private readonly Lock _failureLock = new();
    private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private (string Message, RunningProcess? Process)? _failure;
    private volatile bool _stopping;

    public Supervisor(TopologyDefinition topology, UpOptions options, PrefixedOutput output)
    {
        _topology = topology;
        _options = options;
        _output = output;
        _registry = new ProcessRegistry(options.PidFile);
    }

    /// <summary>Every process the run started or found, for the PID file's readers and for tests.</summary>
    public IReadOnlyList<TrackedProcess> Tracked => _registry.All;

    /// <summary>Runs the topology until <paramref name="stop"/> fires, <c>--for</c> ends or something fails; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        var temporaryHome = _topology.Home is null;
        var home = _topology.Home
            ?? Path.Combine(Path.GetTempPath(), "satcar-up", $"{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        Directory.CreateDirectory(home);
        try
        {
            LaunchPlan plan;
            try
            {
                plan = LaunchPlan.Create(_topology, home);
            }
            catch (SocketException e)
            {
                _output.Failure($"cannot pick free ports: {e.Message} (is every address a local one, such as 127.0.0.2?)", [], alsoToError: true);
                return 1;
            }

            _output.SetNameWidth(plan.Names.Max(n => n.Length));
            PrintPlan(plan, home);
            if (!Native.BecomeChildSubreaper())
            {
                _output.Info("cannot become the child subreaper (not Linux?): a process whose parent exits first may be missed at the stop");
            }

            _registry.Initialize();
            using var registration = stop.Register(() => _stopRequested.TrySetResult());
            using var tracking = new CancellationTokenSource();
            var tracker = TrackDescendantsAsync(tracking.Token);
            try
            {
                await StartAllAsync(plan);
                if (_failure is null && !_stopRequested.Task.IsCompleted)
                {
                    await WaitUntilDoneAsync();
                }

                if (_failure is { } failure)
                {
                    await ReportAsync(failure.Message, failure.Process);
                }
            }
            finally
            {
                _stopping = true;
                await StopAllAsync();
                await tracking.CancelAsync();
                await tracker;
            }

            if (_failure is { } failed)
            {
                _output.Failure($"failed: {failed.Message}", [], alsoToError: true);
                return 1;
            }

            _output.Info("stopped");
            return 0;
        }
        finally
        {
            foreach (var process in _running)
            {
                process.Dispose();
            }

            if (temporaryHome)
            {
                TryDelete(home);
            }
        }
    }

    private void PrintPlan(LaunchPlan plan, string home)
    {
        _output.Info($"topology {_topology.FilePath}");
        _output.Info($"home {home}");
        foreach (var app in plan.Endpoints)
        {
            var path = app.Link is { } link ? $"link {link} -> satcar {app.Satcar}" : $"satcar {app.Satcar}";
            _output.Info($"  {app.AppId}: {(app.App is { } address ? $"app {address}, " : "")}{path} (peer port {app.Peer}); DAPR_HTTP_ENDPOINT={app.DaprHttpEndpoint}");
        }
    }

    private async Task StartAllAsync(LaunchPlan plan)
    {
        if (!_options.NoBuild)
        {
            foreach (var build in plan.Builds)
            {
                if (!await BuildAsync(build))
                {
                    return;
                }
            }
        }

        foreach (var stage in plan.Stages)
        {
            var started = new List<RunningProcess>();
            foreach (var planned in stage)
            {
                if (StartOne(planned) is not { } process)
                {
                    return;
                }

                started.Add(process);
            }

            await Task.WhenAll(started.Select(WaitUntilUpAsync));
            if (_failure is not null || _stopRequested.Task.IsCompleted)
            {
                return;
            }
        }
    }

    private async Task<bool> BuildAsync(PlannedProcess build)
    {
        if (_stopRequested.Task.IsCompleted)
        {
            return false;
        }

        if (StartOne(build) is not { } process)
        {
            return false;
        }

        var timeout = Task.Delay(BuildTimeout);
        var done = await Task.WhenAny(process.Exited, _stopRequested.Task, timeout);
        if (done == timeout)
        {
            Fail($"{build.Name} did not finish within {BuildTimeout.TotalMinutes:0} minutes", process);
            return false;
        }

        if (done != process.Exited)
        {
            return false;
        }

        var code = await process.Exited;
        if (code != 0)
        {
            Fail($"{build.Name} {RunningProcess.DescribeExit(code)}", process);
            return false;
        }

        process.IsUp = true;
        return true;
    }

    private RunningProcess? StartOne(PlannedProcess planned)
    {
        RunningProcess process;
        try
        {
            process = RunningProcess.Start(planned, _output, _registry);
        }
        catch (ProcessStartException e)
        {
            Fail($"{planned.Name}: {e.Message}", null);
            return null;
        }

        lock (_running)
        {
            _running.Add(process);
        }

        _output.Info($"started {planned.Name} (pid {process.Pid.ToString(CultureInfo.InvariantCulture)}): {CommandLine(planned)}");
        if (planned.Role != ProcessRole.Build)
        {
            _ = WatchAsync(process);
        }

        return process;
    }

    private async Task WatchAsync(RunningProcess process)
    {
        var code = await process.Exited;
        if (_stopping)
        {
            return;
        }

        await Task.Delay(SignalRace);
        if (_stopping || _stopRequested.Task.IsCompleted)
        {
            return;
        }

        Fail($"{process.Name} {RunningProcess.DescribeExit(code)}{(process.IsUp ? "" : " before it was up")}", process);
    }

    private async Task WaitUntilUpAsync(RunningProcess process)
    {
        if (process.Plan.Health is not { } health)
        {
            process.IsUp = true;
            return;
        }

        var deadline = DateTime.UtcNow + process.Plan.StartTimeout;
        while (_failure is null && !_stopRequested.Task.IsCompleted && !process.HasExited)
        {
            string? problem;
            try
            {
                problem = await health.ProbeAsync(CancellationToken.None);
            }
            catch (Exception e)
            {
                problem = e.Message;
            }

            if (problem is null)
            {
                process.IsUp = true;
                _output.Info($"{process.Name} is up: {health.Description}");
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                Fail($"{process.Name} was not up within {Format(process.Plan.StartTimeout)} (startTimeout): {health.Description} was never true; last: {problem}", process);
                return;
            }

            await Task.WhenAny(Task.Delay(ProbeInterval), _failed.Task, _stopRequested.Task);
        }

        // An exit before the process was up is reported by WatchAsync a moment later; the next stage must not start meanwhile.
        if (process.HasExited && !process.IsUp)
        {
            await Task.WhenAny(_failed.Task, _stopRequested.Task, Task.Delay(SignalRace * 3));
        }
    }

    private async Task WaitUntilDoneAsync()
    {
        var count = _running.Count(p => p.Plan.Role != ProcessRole.Build);
        var forDuration = _options.For;
        _output.Info(forDuration is { } duration
            ? $"all {count} processes are up; running for {Format(duration)}"
            : $"all {count} processes are up; Ctrl-C stops them");
        var elapsed = forDuration is { } d ? Task.Delay(d) : Task.Delay(Timeout.Infinite);
        var done = await Task.WhenAny(_failed.Task, _stopRequested.Task, elapsed);
        if (done == elapsed)
        {
            _output.Info($"{Format(forDuration!.Value)} have passed");
        }
    }

    private void Fail(string message, RunningProcess? process)
    {
        lock (_failureLock)
        {
            if (_failure is not null || _stopping)
            {
                return;
            }

            _failure = (message, process);
        }

        _failed.TrySetResult();
    }

    private async Task ReportAsync(string message, RunningProcess? process)
    {
        if (process is null)
        {
            _output.Failure(message, []);
            return;
        }

        if (process.HasExited)
        {
            await process.DrainOutputAsync(TimeSpan.FromSeconds(1));
        }

        var lines = process.LastLines();
        _output.Failure(message, lines.Count == 0
            ? [$"({process.Name} wrote nothing)"]
            : [$"last lines of {process.Name}:", .. lines.Select(l => $"| {l}")]);
    }

    private async Task StopAllAsync()
    {
        List<RunningProcess> running;
        lock (_running)
        {
            running = [.. _running];
        }

        if (running.Count > 0 && running.Any(p => !p.HasExited))
        {
            _output.Info("stopping everything");
        }

        // Apps before their links and satcars, satcars before redis: nothing loses what it depends on while it still runs.
        foreach (var role in new[] { ProcessRole.App, ProcessRole.Link, ProcessRole.Satcar, ProcessRole.Redis, ProcessRole.Build })
        {
            var targets = _registry.TreesOf(running.Where(p => p.Plan.Role == role).Select(p => p.Tracked));
            await StopAsync(targets);
        }

        await StopAsync(_registry.Leftovers());
        foreach (var process in running)
        {
            await Task.WhenAny(process.Exited, Task.Delay(TimeSpan.FromSeconds(5)));
        }
    }

    private async Task StopAsync(IReadOnlyList<TrackedProcess> targets)
    {
        if (targets.Count == 0)
        {
            return;
        }

        var survivors = await ProcessStopper.StopAsync(targets, _options.StopGrace, killed =>
            _output.Info($"{killed.Name} (pid {killed.Pid.ToString(CultureInfo.InvariantCulture)}) did not stop within {Format(_options.StopGrace)} of SIGTERM; sent SIGKILL"));
        foreach (var survivor in survivors)
        {
            _output.Failure($"{survivor.Name} (pid {survivor.Pid.ToString(CultureInfo.InvariantCulture)}) is still running after SIGKILL", []);
        }
    }

    private async Task TrackDescendantsAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                _registry.Scan();
                await Task.Delay(TrackInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (IOException e)
            {
                _output.Info($"cannot update the PID file: {e.Message}");
                await Task.Delay(TrackInterval, CancellationToken.None);
            }
        }
    }

    private static string CommandLine(PlannedProcess planned) =>
        string.Join(' ', new[] { planned.FileName }.Concat(planned.Arguments).Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"'{a}'" : a));

    private static string Format(TimeSpan duration) => duration.TotalSeconds < 120 && duration.TotalSeconds == Math.Floor(duration.TotalSeconds)
        ? $"{duration.TotalSeconds:0}s"
        : duration.ToString("c", CultureInfo.InvariantCulture);

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the system's temp cleaner takes it later.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
