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
        var (exitCode, output) = await NodeScript.RunAsync("state-and-invoke.mjs", new Dictionary<string, string>
        {
            ["DAPR_HTTP_PORT"] = fixture.Satcar.HttpPort.ToString(),
            ["STORE"] = store,
            ["TARGET_APP"] = SatcarFixture.AppId,
        }, TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, output);
        Assert.Contains("js-compat: all checks passed", output, StringComparison.Ordinal);
    }
}
