using System.CommandLine;
using System.Runtime.InteropServices;
using Satcar.Runtime.Components;
using Satcar.Up.Output;
using Satcar.Up.Supervision;
using Satcar.Up.Topology;

namespace Satcar.Cli.Commands;

/// <summary>
/// <c>satcar up</c>: runs a whole topology (redis, satcars, links, apps) from one file, as
/// <c>dapr run -f</c> runs a multi-app template; Ctrl-C or SIGTERM stops everything it started.
/// </summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file")
        {
            Description = $"The topology file, or a folder holding {TopologyReader.DefaultFileName}.",
            DefaultValueFactory = _ => ".",
        };
        var forDuration = new Option<string?>("--for") { HelpName = "duration", Description = "Stop after this long once everything is up, such as 30s or 2m (for scripts and tests)." };
        var pidFile = new Option<string?>("--pid-file") { HelpName = "file", Description = "Keep a file listing every process started (PID, start time, name), descendants included." };
        var noBuild = new Option<bool>("--no-build") { Description = "Skip the apps' build commands." };
        var command = new Command("up", "Run a whole topology from one file: redis, satcars, links and apps, in order; Ctrl-C stops it all.")
        {
            file, forDuration, pidFile, noBuild,
        };

        command.Validators.Add(result =>
        {
            if (result.GetValue(forDuration) is { } text && (!GoDuration.TryParse(text, out var duration) || duration <= TimeSpan.Zero))
            {
                result.AddError($"--for must be a duration such as 30s, 2m or 1m30s; got '{text}'");
            }

            if (result.GetValue(pidFile) is { } path && Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder && !Directory.Exists(folder))
            {
                result.AddError($"--pid-file: folder '{folder}' does not exist");
            }
        });

        // A synchronous action: System.CommandLine then leaves SIGINT and SIGTERM alone, and satcar up
        // takes as long as stopping its processes takes instead of being cut off after two seconds.
        command.SetAction(parse =>
        {
            var options = new UpOptions
            {
                For = parse.GetValue(forDuration) is { } text && GoDuration.TryParse(text, out var duration) ? duration : null,
                PidFile = parse.GetValue(pidFile) is { } path ? Path.GetFullPath(path) : null,
                NoBuild = parse.GetValue(noBuild),
            };
            return Run(TopologyReader.ResolveFile(parse.GetValue(file)!), options);
        });
        return command;
    }

    private static int Run(string path, UpOptions options)
    {
        var output = PrefixedOutput.ForConsole();
        var (topology, problems) = TopologyReader.Read(path, Environment.GetEnvironmentVariable);
        if (topology is null)
        {
            output.Problems(problems.Select(p => p.ToString()));
            output.Problems([$"{problems.Count} problem(s) in the topology file; nothing was started."]);
            return ExitCodes.Failure;
        }

        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            // The first signal starts the orderly stop; the process exits when that is done, not before.
            context.Cancel = true;
            if (!stop.IsCancellationRequested)
            {
                output.Info($"{context.Signal} received; stopping");
                stop.Cancel();
            }
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
        return new Supervisor(topology, options, output).RunAsync(stop.Token).GetAwaiter().GetResult();
    }
}
