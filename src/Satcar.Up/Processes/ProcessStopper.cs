namespace Satcar.Up.Processes;

/// <summary>Stops processes by PID: SIGTERM to all of them at once, SIGKILL to those still running after the grace period.</summary>
internal static class ProcessStopper
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan AfterKill = TimeSpan.FromSeconds(5);

    /// <summary>Stops <paramref name="targets"/>; returns those that survived even SIGKILL (none, unless the kernel is stuck).</summary>
    public static async Task<IReadOnlyList<TrackedProcess>> StopAsync(
        IReadOnlyList<TrackedProcess> targets, TimeSpan grace, Action<TrackedProcess> onKilled)
    {
        foreach (var target in targets.Where(t => t.IsRunning))
        {
            Native.Signal(target.Pid, Native.SigTerm);
        }

        var running = await WaitAsync(targets, grace);
        if (running.Count == 0)
        {
            return running;
        }

        foreach (var target in running)
        {
            // Checked again just before the signal: a PID that was reused meanwhile must not be hit.
            if (target.IsRunning && Native.Signal(target.Pid, Native.SigKill))
            {
                onKilled(target);
            }
        }

        return await WaitAsync(running, AfterKill);
    }

    private static async Task<IReadOnlyList<TrackedProcess>> WaitAsync(IReadOnlyList<TrackedProcess> targets, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var running = targets.Where(t => t.IsRunning).ToList();
            if (running.Count == 0 || DateTime.UtcNow >= deadline)
            {
                return running;
            }

            await Task.Delay(Poll);
        }
    }
}
