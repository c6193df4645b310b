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
        var (exitCode, output) = await NodeScript.RunAsync(
            "bindings.mjs", new Dictionary<string, string> { ["DAPR_HTTP_PORT"] = fixture.Satcar.HttpPort.ToString() }, TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, output);
        Assert.Contains("js-bindings: all checks passed", output, StringComparison.Ordinal);
    }
}
