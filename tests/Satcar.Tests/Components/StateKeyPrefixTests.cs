using Satcar.Runtime.State;

namespace Satcar.Tests.Components;

public sealed class StateKeyPrefixTests
{
    [Theory]
    [InlineData(null, "orders||k")]
    [InlineData("appid", "orders||k")]
    [InlineData("AppID", "orders||k")]
    [InlineData("name", "statestore||k")]
    [InlineData("namespace", "prod.orders||k")]
    [InlineData("none", "k")]
    [InlineData("shared", "shared||k")]
    public void Prefixes_keys_as_dapr_does(string? keyPrefix, string stored)
    {
        Assert.Equal(stored, StateKeyPrefix.For(keyPrefix, "statestore", "orders", "prod").Apply("k"));
    }

    [Fact]
    public void The_namespace_strategy_falls_back_to_the_app_id()
    {
        Assert.Equal("orders||k", StateKeyPrefix.For("namespace", "s", "orders", "").Apply("k"));
    }

    [Fact]
    public void A_literal_prefix_with_the_separator_is_invalid()
    {
        Assert.True(StateKeyPrefix.For("a||b", "s", "orders", "").IsInvalid);
    }
}
