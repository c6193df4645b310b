using System.Diagnostics;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Bindings;

/// <summary>
/// An unmodified program on the official JavaScript SDK (<c>@dapr/dapr</c>, HTTP mode) calls output
/// bindings through <c>client.binding.send</c>. <c>./test.sh</c> installs the package into <c>tests/js</c>.
/// </summary>
public sealed class BindingsJavaScriptSdkTests(BindingsFixture fixture) : IClassFixture<BindingsFixture>
{
    [Fact]
    public async Task Output_bindings_work_from_the_js_sdk()
    {
        var folder = Path.Combine(RepositoryPaths.Root, "tests", "js");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "@dapr", "dapr")), "@dapr/dapr is not installed in tests/js; run ./test.sh");
        var info = new ProcessStartInfo("node", ["bindings.mjs"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["DAPR_HTTP_PORT"] = fixture.Satcar.HttpPort.ToString();

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
            await process.WaitForExitAsync();
            Assert.Fail("node bindings.mjs did not finish within 60 s");
        }

        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("js-bindings: all checks passed", output, StringComparison.Ordinal);
    }
}
