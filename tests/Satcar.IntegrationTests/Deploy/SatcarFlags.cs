using System.CommandLine;
using System.Text.RegularExpressions;
using Satcar.Cli;
using Satcar.Cli.Commands;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Deploy;

/// <summary>
/// What the satcar executable accepts, to hold deployment files to it: the flags <c>satcar VERB --help</c>
/// lists (the documented surface; the hidden daprd flags that have no effect are not in it), and whether
/// a whole command line parses as the executable would parse it.
/// </summary>
internal static partial class SatcarFlags
{
    private static readonly Dictionary<string, Lazy<Task<IReadOnlySet<string>>>> s_listed = new(StringComparer.Ordinal)
    {
        ["run"] = new(() => ReadHelpAsync("run")),
        ["link"] = new(() => ReadHelpAsync("link")),
    };

    /// <summary>The long flags <c>satcar <paramref name="verb"/> --help</c> lists, aliases included.</summary>
    public static Task<IReadOnlySet<string>> ListedAsync(string verb) => s_listed[verb].Value;

    /// <summary>The flags of a command line (<c>--name</c> tokens, <c>--name=value</c> cut at the <c>=</c>).</summary>
    public static IEnumerable<string> In(IEnumerable<string> commandLine) =>
        commandLine.Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a.Split('=', 2)[0]);

    /// <summary>
    /// The errors of parsing <paramref name="commandLine"/> (verb first) exactly as the executable does,
    /// validators included; empty when it would start.
    /// </summary>
    public static IReadOnlyList<string> ParseErrors(IReadOnlyList<string> commandLine)
    {
        var root = new RootCommand { RunCommand.Create(), LinkCommand.Create() };
        return [.. root.Parse(DaprFlags.Normalize([.. commandLine])).Errors.Select(e => e.Message)];
    }

    private static async Task<IReadOnlySet<string>> ReadHelpAsync(string verb)
    {
        var (exitCode, output) = await SatcarProcess.RunToExitAsync([verb, "--help"]);
        Assert.True(exitCode == 0, $"satcar {verb} --help exited with {exitCode}:\n{output}");

        // Option rows look like "  --components-path, --resources-path <resources-path>   Description".
        var flags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            if (OptionRow().Match(line) is { Success: true } row)
            {
                flags.UnionWith(LongFlag().Matches(row.Groups["names"].Value).Select(m => m.Value));
            }
        }

        Assert.True(flags.Count > 5, $"no option rows found in satcar {verb} --help:\n{output}");
        return flags;
    }

    [GeneratedRegex(@"^\s{2}(?<names>-[^\s<].*?)(?:\s<[^>]+>)?(?:\s\(REQUIRED\))?(?:\s{2,}|$)")]
    private static partial Regex OptionRow();

    [GeneratedRegex(@"--[a-z0-9][a-z0-9-]*")]
    private static partial Regex LongFlag();
}
