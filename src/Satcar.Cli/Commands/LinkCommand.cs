using System.CommandLine;

namespace Satcar.Cli.Commands;

/// <summary><c>satcar link</c>: placeholder until the link lands.</summary>
internal static class LinkCommand
{
    public static Command Create()
    {
        var command = new Command("link", "Forward the app's localhost Dapr port to its satcar (not built yet).");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("satcar link: not built yet");
            return ExitCodes.Failure;
        });
        return command;
    }
}
