using Satcar.Runtime.Errors;
using Satcar.Runtime.Invocation;

namespace Satcar.Tests.Invocation;

public sealed class InvocationTargetTests
{
    [Fact]
    public void Reads_an_app_id_and_an_optional_namespace()
    {
        Assert.Equal(new InvocationTarget("orders", null), InvocationTarget.Parse("orders"));
        Assert.Equal(new InvocationTarget("orders", "prod"), InvocationTarget.Parse("orders.prod"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b.c")]
    [InlineData(".ns")]
    [InlineData("app.")]
    [InlineData("a b")]
    [InlineData("a/b")]
    public void Refuses_malformed_ids(string id)
    {
        var error = Assert.Throws<ApiException>(() => InvocationTarget.Parse(id)).Error;
        Assert.Equal(("ERR_DIRECT_INVOKE", 400), (error.Code, error.HttpStatus));
    }

    [Fact]
    public void Matches_its_own_app_with_or_without_the_namespace()
    {
        Assert.True(InvocationTarget.Parse("orders").Is("orders", "prod"));
        Assert.True(InvocationTarget.Parse("orders.prod").Is("orders", "prod"));
        Assert.False(InvocationTarget.Parse("orders.test").Is("orders", "prod"));
        Assert.False(InvocationTarget.Parse("billing").Is("orders", "prod"));
    }
}
