using System.CommandLine;

namespace Satcar.Cli.Commands;

/// <summary><c>satcar up</c>: placeholder until the topology runner lands.</summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var command = new Command("up", "Run a whole topology (not built yet).");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("satcar up: not built yet");
            return ExitCodes.Failure;
        });
        return command;
    }
}
