using Satcar.Runtime.Components;

namespace Satcar.Tests.Components;

public sealed class GoDurationTests
{
    [Theory]
    [InlineData("5s", 5_000)]
    [InlineData("250ms", 250)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("2", 2_000)]
    [InlineData("0", 0)]
    [InlineData("500us", 0.5)]
    public void Parses_go_durations(string text, double milliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var value));
        Assert.Equal(milliseconds, value.TotalMilliseconds, 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("5 parsecs")]
    [InlineData("-5s")]
    [InlineData("5x")]
    public void Refuses_anything_else(string text)
    {
        Assert.False(GoDuration.TryParse(text, out _));
    }
}
