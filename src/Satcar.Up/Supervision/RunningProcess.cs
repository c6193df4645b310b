using System.ComponentModel;
using System.Diagnostics;
using Satcar.Up.Output;
using Satcar.Up.Processes;

namespace Satcar.Up.Supervision;

/// <summary>A started process: its output goes to the console under its name, its last lines are kept for failure reports.</summary>
internal sealed class RunningProcess : IDisposable
{
    private const int KeptLines = 20;

    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RunningProcess(PlannedProcess plan, Process process, TrackedProcess tracked)
    {
        Plan = plan;
        _process = process;
        Tracked = tracked;
    }

    public PlannedProcess Plan { get; }

    public TrackedProcess Tracked { get; }

    public int Pid => Tracked.Pid;

    public string Name => Plan.Name;

    /// <summary>Completes with the exit code once the process has exited (128 + N after signal N).</summary>
    public Task<int> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>Set once the health check passed (or at once for a process without one).</summary>
    public bool IsUp { get; set; }

    /// <summary>Starts <paramref name="plan"/>; throws <see cref="ProcessStartException"/> when the command cannot run.</summary>
    public static RunningProcess Start(PlannedProcess plan, PrefixedOutput output, ProcessRegistry registry)
    {
        var info = new ProcessStartInfo(plan.FileName)
        {
            WorkingDirectory = plan.WorkingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Children never read the terminal: Ctrl-C is satcar up's to handle.
            RedirectStandardInput = true,
        };
        foreach (var argument in plan.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in plan.Environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new ProcessStartException(
                $"cannot start '{plan.FileName}' in {plan.WorkingDirectory}: {new Win32Exception(e.NativeErrorCode).Message}"
                + (plan.FileName.Contains('/', StringComparison.Ordinal) ? "" : " (is it installed and on PATH?)"), e);
        }

        process.StandardInput.Close();
        var running = new RunningProcess(plan, process, registry.Add(process.Id, plan.Name));
        process.OutputDataReceived += (_, e) => running.OnLine(e.Data, output);
        process.ErrorDataReceived += (_, e) => running.OnLine(e.Data, output);
        process.Exited += (_, _) => running.OnExited();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // A process that exits before Exited is subscribed does not raise it.
        if (process.HasExited)
        {
            running.OnExited();
        }

        return running;
    }

    /// <summary>Waits (briefly) until the process's output is read to the end, so a failure report shows its last words.</summary>
    public async Task DrainOutputAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            // Returns once stdout and stderr are closed; a grandchild holding them open ends the wait at the timeout.
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The last lines the process wrote, oldest first.</summary>
    public IReadOnlyList<string> LastLines()
    {
        lock (_lastLines)
        {
            return [.. _lastLines];
        }
    }

    /// <summary>"exited with code 1", "was killed by SIGKILL (exit code 137)".</summary>
    public static string DescribeExit(int code) => code switch
    {
        > 128 and < 160 => $"was killed by {SignalName(code - 128)} (exit code {code})",
        _ => $"exited with code {code}",
    };

    private static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => $"signal {signal}",
    };

    private void OnLine(string? line, PrefixedOutput output)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            if (_lastLines.Count == KeptLines)
            {
                _lastLines.Dequeue();
            }

            _lastLines.Enqueue(line);
        }

        output.Line(Plan.Name, Plan.ColourIndex, line);
    }

    private void OnExited()
    {
        int code;
        try
        {
            code = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return;
        }

        _exited.TrySetResult(code);
    }

    public void Dispose() => _process.Dispose();
}

/// <summary>A command that could not be started at all: not found, not executable, a missing folder.</summary>
internal sealed class ProcessStartException(string message, Exception inner) : Exception(message, inner);
