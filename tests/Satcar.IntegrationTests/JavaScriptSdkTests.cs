using System.Diagnostics;
using Satcar.Testing;

namespace Satcar.IntegrationTests;

/// <summary>
/// Unmodified programs on the official JavaScript SDK (<c>@dapr/dapr</c>, HTTP mode) run against the
/// satcar. <c>./test.sh</c> installs the package into <c>tests/js</c>.
/// </summary>
public sealed class JavaScriptSdkTests(SatcarFixture fixture) : IClassFixture<SatcarFixture>
{
    [Theory]
    [InlineData("redisstore")]
    [InlineData("sqlitestore")]
    [InlineData("memstore")]
    public async Task State_and_invocation_work_from_the_js_sdk(string store)
    {
        var (exitCode, output) = await RunNodeAsync("state-and-invoke.mjs", new Dictionary<string, string>
        {
            ["DAPR_HTTP_PORT"] = fixture.Satcar.HttpPort.ToString(),
            ["STORE"] = store,
            ["TARGET_APP"] = SatcarFixture.AppId,
        });
        Assert.True(exitCode == 0, output);
        Assert.Contains("js-compat: all checks passed", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunNodeAsync(string script, Dictionary<string, string> environment)
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
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish within 60 s");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
