using Satcar.Runtime.Hosting;

namespace Satcar.Tests.Hosting;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("4Mi", 4L * 1024 * 1024)]
    [InlineData("512Ki", 512L * 1024)]
    [InlineData("1Gi", 1L << 30)]
    [InlineData("2M", 2_000_000)]
    [InlineData("1048576", 1_048_576)]
    [InlineData("1.5Ki", 1536)]
    public void Parses_kubernetes_quantities(string text, long bytes)
    {
        Assert.True(ByteSize.TryParse(text, out var value));
        Assert.Equal(bytes, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("big")]
    [InlineData("-1Mi")]
    [InlineData("0")]
    [InlineData("4MB")]
    [InlineData("0.3")]
    public void Refuses_anything_else(string text)
    {
        Assert.False(ByteSize.TryParse(text, out _));
    }
}
