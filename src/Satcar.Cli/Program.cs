using System.CommandLine;
using Satcar.Cli;
using Satcar.Cli.Commands;

var root = new RootCommand("satcar: a Dapr-compatible runtime that can run away from its app (a satellite sidecar).");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(LinkCommand.Create());
root.Subcommands.Add(UpCommand.Create());
root.Subcommands.Add(ValidateCommand.Create());
root.Subcommands.Add(BenchCommand.Create());

var result = root.Parse(DaprFlags.Normalize(args));
if (result.Errors.Count > 0)
{
    var verb = result.CommandResult.Command.Name;
    foreach (var error in result.Errors)
    {
        Console.Error.WriteLine($"satcar {verb}: {error.Message}");
    }

    Console.Error.WriteLine($"Run 'satcar {verb} --help' for the flags.");
    return ExitCodes.Usage;
}

// The satcar and link hosts handle SIGINT and SIGTERM themselves and stop within their own
// graceful-shutdown time; System.CommandLine's handler would end the process after 2 seconds.
var hosts = result.CommandResult.Command.Name is "run" or "link";
return await result.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = hosts ? null : TimeSpan.FromSeconds(2) });
