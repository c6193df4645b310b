using System.Diagnostics;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Secrets;

/// <summary>
/// <c>tests/js/secrets.mjs</c>, a program on the official JavaScript SDK (<c>@dapr/dapr</c>, HTTP
/// mode), reads secrets from the satcar. <c>./test.sh</c> installs the package into <c>tests/js</c>.
/// </summary>
public sealed class SecretsJavaScriptSdkTests(SecretsFixture fixture) : IClassFixture<SecretsFixture>
{
    [Fact]
    public async Task Secrets_work_from_the_js_sdk()
    {
        var folder = Path.Combine(RepositoryPaths.Root, "tests", "js");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "@dapr", "dapr")), "@dapr/dapr is not installed in tests/js; run ./test.sh");
        var info = new ProcessStartInfo("node", ["secrets.mjs"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["DAPR_HTTP_PORT"] = fixture.Satcar.HttpPort.ToString();
        info.Environment["FILE_STORE"] = "filesecrets";
        info.Environment["MULTI_STORE"] = "multisecrets";
        info.Environment["REDIS_PASSWORD"] = SecretsFixture.RedisPassword;
        info.Environment["DB_PASSWORD"] = SecretsFixture.DbPassword;

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
            throw new TimeoutException("node secrets.mjs did not finish within 60 s");
        }

        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("js-secrets: all checks passed", output, StringComparison.Ordinal);
    }
}
