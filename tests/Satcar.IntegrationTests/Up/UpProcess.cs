using System.Globalization;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Up;

/// <summary>One line of satcar up's PID file: a process it started, or one it found below those.</summary>
public sealed record StartedProcess(int Pid, long StartTime, string Name)
{
    /// <summary>True while this very process (not a later one with the same PID) runs and is not a zombie.</summary>
    public bool IsRunning
    {
        get
        {
            string stat;
            try
            {
                stat = File.ReadAllText($"/proc/{Pid}/stat");
            }
            catch (IOException)
            {
                return false;
            }

            // Fields after the command's closing parenthesis: state is the first, starttime the 20th.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] is not ("Z" or "X") && long.Parse(fields[19], CultureInfo.InvariantCulture) == StartTime;
        }
    }
}

/// <summary>
/// <c>satcar up</c> run as the real executable with a PID file, its output captured. On dispose it
/// kills, by PID, anything of the run still alive, so a failed test leaves nothing behind either.
/// </summary>
public sealed class UpProcess : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private readonly SatcarProcess _process;

    private UpProcess(TempDirectory dir, SatcarProcess process, string pidFile)
    {
        _dir = dir;
        _process = process;
        PidFile = pidFile;
    }

    public string PidFile { get; }

    public int Pid => _process.Pid;

    public string Output => _process.Output;

    public static UpProcess Start(string topology, IReadOnlyDictionary<string, string?> environment, params string[] extraArgs)
    {
        var dir = new TempDirectory();
        var pidFile = Path.Combine(dir.Path, "up.pids");
        var process = SatcarProcess.Start(["up", topology, "--pid-file", pidFile, .. extraArgs], environment);
        return new UpProcess(dir, process, pidFile);
    }

    /// <summary>Every process in the PID file so far.</summary>
    public IReadOnlyList<StartedProcess> Started()
    {
        if (!File.Exists(PidFile))
        {
            return [];
        }

        return [.. File.ReadAllLines(PidFile).Where(l => l.Length > 0).Select(line =>
        {
            var parts = line.Split(' ', 3);
            return new StartedProcess(int.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture), parts[2]);
        })];
    }

    /// <summary>Waits until the output holds <paramref name="text"/>; fails with the output when it does not within <paramref name="timeout"/> or satcar up exits first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(TimeSpan.FromSeconds(10));
                if (Output.Contains(text, StringComparison.Ordinal))
                {
                    return;
                }

                Assert.Fail($"satcar up exited before writing '{text}'. Output:\n{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"satcar up did not write '{text}' within {timeout}. Output:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the process named <paramref name="name"/> has written a line holding <paramref name="text"/>.</summary>
    public async Task WaitForLineAsync(string name, string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Split('\n').Any(line => line.StartsWith($"{name} ", StringComparison.Ordinal) && line.Contains(text, StringComparison.Ordinal)))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{name} did not write '{text}' (within {timeout}). Output:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    public Task<int> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    /// <summary>Sends SIGTERM to satcar up itself and waits for its exit code.</summary>
    public Task<int> TerminateAsync(TimeSpan timeout) => _process.TerminateAsync(timeout);

    /// <summary>Fails when any process of the run still runs.</summary>
    public void AssertNothingLeftRunning()
    {
        var running = Started().Where(p => p.IsRunning).ToList();
        Assert.True(running.Count == 0,
            $"still running after satcar up exited: {string.Join(", ", running.Select(p => $"{p.Name} (pid {p.Pid})"))}\nOutput:\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        foreach (var leftover in Started().Where(p => p.IsRunning))
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(leftover.Pid).Kill();
            }
            catch (ArgumentException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }

        _dir.Dispose();
    }
}
