using System.CommandLine;
using Satcar.Components;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.Resources;

namespace Satcar.Cli.Commands;

/// <summary>
/// <c>satcar validate</c>: reads resources and Configuration files as <c>satcar run</c> would and
/// reports every problem at once, each with its file, line and field; exits 1 when there is any.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var resourcesPath = new Option<string[]>("--resources-path", "--components-path") { Description = "A folder of resource YAML; repeatable." };
        var config = new Option<string[]>("--config") { Description = "A Configuration file; repeatable." };
        var appId = new Option<string?>("--app-id") { Description = "Check as this app: apply component scopes and fill ${APP_ID}." };
        var command = new Command("validate", "Check resource and Configuration files and report every problem.")
        {
            resourcesPath, config, appId,
        };
        command.SetAction(parse =>
        {
            var paths = Split(parse.GetValue(resourcesPath));
            var configs = Split(parse.GetValue(config));
            if (paths.Count == 0 && configs.Count == 0)
            {
                Console.Error.WriteLine("satcar validate: give at least one --resources-path or --config");
                return ExitCodes.Usage;
            }

            var options = new SatcarOptions
            {
                AppId = parse.GetValue(appId) ?? "",
                HostAddress = Environment.GetEnvironmentVariable("DAPR_HOST_IP") ?? HostAddress.Detect(),
            };
            var set = new ResourceLoader(BuiltInComponents.CreateRegistry()).Load(new ResourceLoadRequest
            {
                ResourcePaths = paths,
                ConfigFiles = configs,
                AppId = options.AppId.Length > 0 ? options.AppId : null,
                Variables = SatcarHost.RuntimeVariables(options),
            });

            foreach (var note in set.Notes)
            {
                Console.WriteLine($"note: {note}");
            }

            foreach (var problem in set.Problems)
            {
                Console.WriteLine($"error: {problem}");
            }

            if (!set.IsValid)
            {
                Console.WriteLine($"{set.Problems.Count} problem(s) found.");
                return ExitCodes.Failure;
            }

            var configuration = set.Configuration is { } c ? $", configuration '{c.Name}'" : "";
            var scoped = set.OutOfScope > 0 ? $" ({set.OutOfScope} out of scope for this app)" : "";
            Console.WriteLine($"valid: {set.Components.Count} component(s){scoped}{configuration}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static List<string> Split(string[]? values) =>
        [.. (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))];
}
