using Satcar.Runtime.Api.Http;

namespace Satcar.Tests.Api;

public sealed class ApiPathTests
{
    private static IReadOnlyList<string> Segments(string path)
    {
        var parsed = ApiPath.Parse(path, out var error);
        Assert.True(parsed is not null, error);
        return parsed.Segments;
    }

    [Fact]
    public void Splits_before_decoding_so_an_encoded_slash_stays_in_its_segment()
    {
        Assert.Equal(["v1.0", "state", "store", "a/b c"], Segments("/v1.0/state/store/a%2Fb%20c"));
    }

    [Fact]
    public void Drops_empty_segments_and_the_trailing_slash()
    {
        Assert.Equal(["v1.0", "healthz"], Segments("/v1.0//healthz/"));
    }

    [Fact]
    public void Decodes_utf8()
    {
        Assert.Equal(["clé"], Segments("/cl%C3%A9"));
        Assert.Equal(["clé"], Segments("/clé"));
    }

    [Theory]
    [InlineData("/v1.0/state/s/%zz")]
    [InlineData("/v1.0/state/s/%4")]
    [InlineData("/v1.0/state/s/%C3")]
    public void Refuses_malformed_escapes_and_invalid_utf8(string path)
    {
        Assert.Null(ApiPath.Parse(path, out var error));
        Assert.Contains("percent-encoding", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1.0/invoke/app/method/../../healthz")]
    [InlineData("/v1.0/invoke/app/method/%2e%2e/admin")]
    [InlineData("/v1.0/./healthz")]
    [InlineData("/v1.0/state/s/%2E")]
    public void Refuses_dot_segments(string path)
    {
        Assert.Null(ApiPath.Parse(path, out var error));
        Assert.Contains("'..'", error, StringComparison.Ordinal);
    }
}
