using Satcar.Runtime.Hosting;

namespace Satcar.Tests.Hosting;

public sealed class SatcarOptionsTests
{
    [Fact]
    public void Valid_options_have_no_errors()
    {
        Assert.Empty(new SatcarOptions { AppId = "orders", AppPort = 3000 }.Validate());
    }

    [Fact]
    public void Reports_every_error_naming_its_flag()
    {
        var errors = new SatcarOptions
        {
            AppId = "",
            AppPort = 70000,
            DaprHttpPort = -1,
            AppProtocol = "carrier-pigeon",
            ListenAddresses = ["not-an-ip"],
            MaxBodySize = 0,
        }.Validate();
        Assert.Contains(errors, e => e.StartsWith("--app-id", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--app-port", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--dapr-http-port", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--app-protocol", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--dapr-listen-addresses", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--max-body-size", StringComparison.Ordinal));
        Assert.Equal(6, errors.Count);
    }

    [Fact]
    public void The_app_url_is_the_app_base_uri_and_excludes_the_app_port()
    {
        var options = new SatcarOptions { AppId = "a", AppUrl = new Uri("https://app2.example.net/base") };
        Assert.Empty(options.Validate());
        Assert.Equal(new Uri("https://app2.example.net/base"), options.AppBaseUri);

        options.AppPort = 8080;
        Assert.Contains(options.Validate(), e => e.Contains("--app-url and --app-port", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ftp://host")]
    [InlineData("https://host/?x=1")]
    [InlineData("https://user:pw@host/")]
    public void Refuses_app_urls_that_cannot_be_a_base(string url)
    {
        var errors = new SatcarOptions { AppId = "a", AppUrl = new Uri(url) }.Validate();
        Assert.Contains(errors, e => e.StartsWith("--app-url", StringComparison.Ordinal));
    }

    [Fact]
    public void The_channel_address_and_port_make_the_base_uri()
    {
        Assert.Equal(new Uri("http://10.0.0.5:3000"), new SatcarOptions { AppPort = 3000, AppChannelAddress = "10.0.0.5" }.AppBaseUri);
        Assert.Equal(new Uri("https://[::1]:3000"), new SatcarOptions { AppPort = 3000, AppChannelAddress = "::1", AppProtocol = "https" }.AppBaseUri);
        Assert.Null(new SatcarOptions().AppBaseUri);
    }

    [Fact]
    public void Fills_the_runtime_variables_daprd_exports_to_configuration_files()
    {
        var variables = SatcarHost.RuntimeVariables(new SatcarOptions
        {
            AppId = "orders",
            AppPort = 3000,
            HostAddress = "satcar1.example.net",
            DaprHttpPort = 3600,
            DaprInternalGrpcPort = 50002,
        });
        Assert.Equal("orders", variables["APP_ID"]);
        Assert.Equal("3000", variables["APP_PORT"]);
        Assert.Equal("satcar1.example.net", variables["HOST_ADDRESS"]);
        Assert.Equal("3600", variables["DAPR_HTTP_PORT"]);
        Assert.Equal("50002", variables["DAPR_PORT"]);
        Assert.Equal("50001", variables["DAPR_GRPC_PORT"]);
        Assert.Equal("9090", variables["DAPR_METRICS_PORT"]);
        Assert.Equal("7777", variables["DAPR_PROFILE_PORT"]);
    }

    [Theory]
    [InlineData("grpc", null, null)]
    [InlineData("grpcs", null, null)]
    [InlineData("grpc", "http://app.example.net:5000", null)]
    [InlineData("grpcs", "https://app.example.net:5001/", null)]
    [InlineData("h2c", null, "--app-protocol h2c (HTTP/2 without TLS to an HTTP app) is not supported; use http, https, grpc or grpcs")]
    [InlineData("grpc", "https://app.example.net", "--app-url must be an http:// URL with --app-protocol grpc; got 'https://app.example.net'")]
    [InlineData("grpcs", "http://app.example.net", "--app-url must be an https:// URL with --app-protocol grpcs; got 'http://app.example.net'")]
    [InlineData("grpc", "http://app.example.net/base", "--app-url may not carry a path with --app-protocol grpc: gRPC methods have fixed paths")]
    public void Grpc_app_protocols_are_accepted_and_h2c_is_not(string protocol, string? appUrl, string? error)
    {
        var options = new SatcarOptions { AppId = "a", AppProtocol = protocol };
        if (appUrl is null)
        {
            options.AppPort = 5000;
        }
        else
        {
            options.AppUrl = new Uri(appUrl);
        }

        Assert.Equal(error is null ? [] : [error], options.Validate());
        Assert.Equal(protocol is "grpc" or "grpcs", options.AppIsGrpc);
    }
}
