using Satcar.Runtime.Security;

namespace Satcar.Tests.Security;

public sealed class ApiTokenTests
{
    [Fact]
    public void Matches_only_the_exact_token()
    {
        var token = new ApiToken("s3cret");
        Assert.True(token.Matches("s3cret"));
        Assert.False(token.Matches("s3cret "));
        Assert.False(token.Matches("S3CRET"));
        Assert.False(token.Matches("s3cre"));
        Assert.False(token.Matches(""));
        Assert.False(token.Matches(null));
    }
}
