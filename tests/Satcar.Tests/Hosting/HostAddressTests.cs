using Satcar.Runtime.Hosting;

namespace Satcar.Tests.Hosting;

public sealed class HostAddressTests
{
    [Theory]
    [InlineData("127.0.0.4", "127.0.0.4")]
    [InlineData("10.1.2.3", "10.1.2.3")]
    [InlineData("[::1]", "::1")]
    [InlineData("::1", "::1")]
    [InlineData("localhost", "127.0.0.1")]
    public void A_peer_port_bound_to_one_address_registers_that_address(string listen, string registered)
    {
        Assert.Equal(registered, HostAddress.For(listen));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("[::]")]
    public void A_peer_port_on_every_interface_registers_the_detected_address(string? listen)
    {
        Assert.Equal(HostAddress.Detect(), HostAddress.For(listen));
    }
}
