using Satcar.Runtime.Errors;
using Satcar.Runtime.Invocation;

namespace Satcar.Tests.Invocation;

public sealed class MethodPathTests
{
    [Theory]
    [InlineData(new[] { "neworder" }, "neworder")]
    [InlineData(new[] { "orders", "42" }, "orders/42")]
    [InlineData(new[] { "a/b" }, "a/b")]
    [InlineData(new[] { "with space" }, "with%20space")]
    [InlineData(new[] { "clé" }, "cl%C3%A9")]
    [InlineData(new[] { "keep:@!$&'()*+,;=" }, "keep:@!$&'()*+,;=")]
    [InlineData(new[] { "100%" }, "100%25")]
    [InlineData(new string[0], "")]
    public void Normalizes_and_encodes_canonically(string[] segments, string expected)
    {
        Assert.Equal(expected, MethodPath.Normalize("app", segments));
    }

    [Theory]
    [InlineData("../admin")]
    [InlineData("public/../admin")]
    [InlineData("./x")]
    [InlineData("a\0b")]
    [InlineData("a\rb")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    public void Refuses_traversal_and_reserved_characters(string segment)
    {
        var error = Assert.Throws<ApiException>(() => MethodPath.Normalize("app", ["ok", segment])).Error;
        Assert.Equal("ERR_DIRECT_INVOKE", error.Code);
        Assert.Equal(400, error.HttpStatus);
    }
}
