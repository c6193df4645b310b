using System.Text;
using Satcar.Bench.Measurement;

namespace Satcar.Tests.Bench;

/// <summary>The request as it goes on the wire, serialised once per run.</summary>
public sealed class RequestTemplateTests
{
    private static readonly string s_userAgent = $"satcar-bench/{typeof(RequestTemplate).Assembly.GetName().Version?.ToString(3)}";

    [Fact]
    public void A_get_with_keep_alive_carries_abs_default_headers()
    {
        var wire = new RequestTemplate(new Uri("http://127.0.0.1:5000/v1.0/healthz?x=1"), HttpMethod.Get).ToWire(keepAlive: true);

        Assert.Equal(
            $"GET /v1.0/healthz?x=1 HTTP/1.1\r\nHost: 127.0.0.1:5000\r\nUser-Agent: {s_userAgent}\r\nAccept: */*\r\n\r\n",
            Encoding.Latin1.GetString(wire.Bytes));
        Assert.True(wire.KeepAlive);
        Assert.False(wire.AsksClose);
        Assert.False(wire.IsHead);
    }

    [Fact]
    public void Without_keep_alive_the_request_asks_the_server_to_close()
    {
        var wire = new RequestTemplate(new Uri("http://localhost/"), HttpMethod.Head).ToWire(keepAlive: false);

        Assert.Equal($"HEAD / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: {s_userAgent}\r\nAccept: */*\r\nConnection: close\r\n\r\n", Encoding.Latin1.GetString(wire.Bytes));
        Assert.True(wire.AsksClose);
        Assert.True(wire.IsHead);
    }

    [Fact]
    public void A_body_comes_after_its_type_and_length_and_headers_replace_the_defaults()
    {
        var template = new RequestTemplate(
            new Uri("https://[::1]:8443/echo"), HttpMethod.Post, Encoding.ASCII.GetBytes("{\"a\":1}"), "application/json",
            [new("host", "orders.example"), new("X-Trace", "abc"), new("Accept", "application/json"), new("Content-Type", "text/json")]);
        var text = Encoding.Latin1.GetString(template.ToWire(keepAlive: true).Bytes);

        Assert.Equal(
            $"POST /echo HTTP/1.1\r\nhost: orders.example\r\nUser-Agent: {s_userAgent}\r\nAccept: application/json\r\nContent-Type: text/json\r\nContent-Length: 7\r\nX-Trace: abc\r\n\r\n{{\"a\":1}}",
            text);
    }

    [Fact]
    public void An_ipv6_host_keeps_its_brackets()
    {
        var text = Encoding.Latin1.GetString(new RequestTemplate(new Uri("http://[::1]:3500/"), HttpMethod.Get).ToWire(true).Bytes);
        Assert.Contains("\r\nHost: [::1]:3500\r\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X-Trace: abc", true)]
    [InlineData("X-Empty:", true)]
    [InlineData("no colon", false)]
    [InlineData(": no name", false)]
    [InlineData("Bad Name: x", false)]
    [InlineData("X-Injected: a\r\nEvil: b", false)]
    [InlineData("Content-Length: 5", false)]
    [InlineData("transfer-encoding: chunked", false)]
    public void Headers_from_the_command_line_are_checked(string text, bool valid) =>
        Assert.Equal(valid, RequestTemplate.TryParseHeader(text, out _));
}
