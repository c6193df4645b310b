using Satcar.Runtime.Resources;

namespace Satcar.Tests.Resources;

public sealed class EnvExpanderTests
{
    private static string Expand(string text) => EnvExpander.Expand(text, name => name switch
    {
        "HOST" => "consul",
        "PORT" => "8500",
        "A_B1" => "x",
        _ => null,
    });

    [Theory]
    [InlineData("${HOST}:${PORT}", "consul:8500")]
    [InlineData("$HOST:$PORT", "consul:8500")]
    [InlineData("${A_B1}y", "xy")]
    [InlineData("$A_B1-y", "x-y")]
    [InlineData("${MISSING}", "")]
    [InlineData("no dollars", "no dollars")]
    [InlineData("price: 5$", "price: 5$")]
    [InlineData("a $ b", "a $ b")]
    [InlineData("${}", "")]
    [InlineData("${unclosed", "unclosed")]
    [InlineData("$$", "")]
    [InlineData("$1x", "x")]
    public void Expands_as_go_os_expand_env(string text, string expected)
    {
        Assert.Equal(expected, Expand(text));
    }

    [Fact]
    public void Overrides_win_over_the_environment()
    {
        Environment.SetEnvironmentVariable("SATCAR_TEST_EXPAND", "from-env");
        Assert.Equal("from-env/over", EnvExpander.Expand("${SATCAR_TEST_EXPAND}/${APP_ID}", new Dictionary<string, string> { ["APP_ID"] = "over" }));
        Assert.Equal("set", EnvExpander.Expand("${SATCAR_TEST_EXPAND}", new Dictionary<string, string> { ["SATCAR_TEST_EXPAND"] = "set" }));
    }
}
