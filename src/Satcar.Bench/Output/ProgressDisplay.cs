using Satcar.Bench.Measurement;
using Spectre.Console;

namespace Satcar.Bench.Output;

/// <summary>
/// Shows how far a run has got: a Spectre.Console progress bar on a terminal, or ab's plain "Completed N requests"
/// lines on standard error (every 10%, runs over 150 requests) when the output goes to a file or a pipe.
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>Called by the work each time a new measurement starts, with a label and the run's counters.</summary>
    public delegate void Track(string label, RunProgress progress);

    private static readonly TimeSpan s_refresh = TimeSpan.FromMilliseconds(100);

    public static async Task<T> RunAsync<T>(bool interactive, bool quiet, Func<Track, Task<T>> work)
    {
        if (quiet)
        {
            return await work((_, _) => { });
        }

        return interactive ? await RunWithBarAsync(work) : await RunWithLinesAsync(work);
    }

    private static async Task<T> RunWithBarAsync<T>(Func<Track, Task<T>> work) =>
        await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var gate = new Lock();
                (ProgressTask Task, RunProgress Progress)? current = null;
                void Update()
                {
                    lock (gate)
                    {
                        if (current is { } c)
                        {
                            c.Task.Value = Fraction(c.Progress) * 1000;
                        }
                    }
                }

                var running = work((label, progress) =>
                {
                    lock (gate)
                    {
                        if (current is { } previous)
                        {
                            previous.Task.Value = 1000;
                            previous.Task.StopTask();
                        }

                        current = (context.AddTask(Markup.Escape(label), maxValue: 1000), progress);
                    }
                });
                while (!running.IsCompleted)
                {
                    Update();
                    await Task.WhenAny(running, Task.Delay(s_refresh));
                }

                Update();
                return await running;
            });

    private static async Task<T> RunWithLinesAsync<T>(Func<Track, Task<T>> work)
    {
        var gate = new Lock();
        (string Label, RunProgress Progress, long NextReport)? current = null;
        void Report()
        {
            lock (gate)
            {
                if (current is not { } c || c.Progress.Total <= 150)
                {
                    return;
                }

                var step = Math.Max(1, c.Progress.Total / 10);
                var next = c.NextReport;
                while (c.Progress.Done >= next && next <= c.Progress.Total)
                {
                    Console.Error.WriteLine($"{c.Label}: completed {next} requests");
                    next += step;
                }

                current = c with { NextReport = next };
            }
        }

        var running = work((label, progress) =>
        {
            Report();
            lock (gate)
            {
                current = (label, progress, Math.Max(1, progress.Total / 10));
            }
        });
        while (!running.IsCompleted)
        {
            Report();
            await Task.WhenAny(running, Task.Delay(s_refresh * 5));
        }

        Report();
        return await running;
    }

    private static double Fraction(RunProgress progress)
    {
        var byCount = progress.Total > 0 ? (double)progress.Done / progress.Total : 0;
        var byTime = progress.TimeLimit is { } limit && progress.StartedAt is { } started && limit > TimeSpan.Zero
            ? (DateTimeOffset.UtcNow - started) / limit
            : 0;
        return Math.Clamp(Math.Max(byCount, byTime), 0, 1);
    }
}
