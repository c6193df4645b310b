using System.Diagnostics;
using Satcar.Testing;

namespace Satcar.IntegrationTests;

/// <summary>
/// Runs a program of <c>tests/js</c> (unmodified code on the official JavaScript SDK, <c>@dapr/dapr</c>)
/// with node. <c>./test.sh</c> installs the package there.
/// </summary>
internal static class NodeScript
{
    /// <summary>Runs <paramref name="script"/> to its end; its exit code and its stdout then stderr. A run past <paramref name="timeout"/> is killed and throws.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string script, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var folder = Path.Combine(RepositoryPaths.Root, "tests", "js");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "@dapr", "dapr")), "@dapr/dapr is not installed in tests/js; run ./test.sh");
        var info = new ProcessStartInfo("node", [script])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"node {script} did not finish within {timeout.TotalSeconds:0} s");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
