using System.Diagnostics;
using System.Reflection;

namespace Satcar.IntegrationTests.Deploy;

/// <summary>
/// The Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package (its path is written into this
/// assembly by the project file), run as a child process with only the environment a test gives it.
/// </summary>
internal static class BicepCli
{
    private static readonly Lazy<string> s_path = new(() =>
    {
        var path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "BicepPath").Value!;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("the Bicep CLI is not where the package reference put it; restore the test project", path);
        }

        // NuGet does not keep the executable bit of the files it extracts.
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path) is var mode && !mode.HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    });

    /// <summary>Runs <c>bicep</c> with <paramref name="args"/> in <paramref name="workingDirectory"/> and returns its exit code and both outputs.</summary>
    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(
        string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(s_path.Value)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // What readEnvironmentVariable() sees is what the test gives, never a variable of the test run.
        foreach (var name in new[] { "SATCAR_PEER_SECRET", "ORDERPUBLISHER_API_TOKEN", "ORDERSTORE_API_TOKEN", "SATCAR_DEPLOY_SATCARS" })
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("bicep did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"bicep {string.Join(' ', info.ArgumentList)} did not finish within 3 minutes");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
