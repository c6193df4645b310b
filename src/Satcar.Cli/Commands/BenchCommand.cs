using System.CommandLine;

namespace Satcar.Cli.Commands;

/// <summary><c>satcar bench</c>: placeholder until the benchmark tool lands.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure HTTP latency (not built yet).");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("satcar bench: not built yet");
            return ExitCodes.Failure;
        });
        return command;
    }
}
