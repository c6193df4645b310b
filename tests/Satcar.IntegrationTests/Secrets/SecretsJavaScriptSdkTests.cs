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
        var (exitCode, output) = await NodeScript.RunAsync("secrets.mjs", new Dictionary<string, string>
        {
            ["DAPR_HTTP_PORT"] = fixture.Satcar.HttpPort.ToString(),
            ["FILE_STORE"] = "filesecrets",
            ["MULTI_STORE"] = "multisecrets",
            ["REDIS_PASSWORD"] = SecretsFixture.RedisPassword,
            ["DB_PASSWORD"] = SecretsFixture.DbPassword,
        }, TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, output);
        Assert.Contains("js-secrets: all checks passed", output, StringComparison.Ordinal);
    }
}
