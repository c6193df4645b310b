using System.Text.Json.Nodes;
using Satcar.Runtime.Security;

namespace Satcar.Tests.Security;

/// <summary>daprd's matching of <c>spec.api</c> rules: HTTP by path prefix under a version, gRPC by RPC group.</summary>
public sealed class ApiAllowlistTests
{
    private static ApiAllowlist Read(string json) => ApiAllowlist.Read(JsonNode.Parse(json)!.AsObject());

    [Fact]
    public void Without_spec_api_everything_is_served()
    {
        var apis = Read("""{"tracing": {}}""");
        Assert.Empty(apis.Problems);
        Assert.True(apis.ServesHttp("v1.0", "state/store/key"));
        Assert.True(apis.ServesHttpInvocationFallback);
        Assert.True(apis.ServesGrpc("GetState"));
    }

    [Theory]
    [InlineData("v1.0", "publish/pubsub/orders", true)]
    [InlineData("v1.0-alpha1", "publish/bulk/pubsub/orders", true)]
    [InlineData("v1.0", "publish/bulk/pubsub/orders", true)]
    [InlineData("v1.0", "state/store/key", false)]
    [InlineData("v1.0", "healthz", true)]
    [InlineData("v1.0", "healthz/outbound", true)]
    [InlineData("v1.0", "invoke/app/method/x", false)]
    public void An_http_allowlist_matches_routes_by_version_and_prefix(string version, string route, bool served)
    {
        var apis = Read("""
            {"api": {"allowed": [
              {"name": "publish", "version": "v1.0", "protocol": "http"},
              {"name": "publish", "version": "v1.0-alpha1", "protocol": "HTTP"}
            ]}}
            """);
        Assert.Empty(apis.Problems);
        Assert.Equal(served, apis.ServesHttp(version, route));
        Assert.False(apis.ServesHttpInvocationFallback);
        // HTTP rules leave gRPC alone.
        Assert.True(apis.ServesGrpc("GetState"));
    }

    [Theory]
    [InlineData("PublishEvent", false)]
    [InlineData("BulkPublishEventAlpha1", true)]
    [InlineData("GetState", true)]
    [InlineData("ExecuteStateTransaction", true)]
    [InlineData("InvokeService", false)]
    public void A_grpc_allowlist_names_groups_of_rpcs_and_a_denied_group_is_never_served(string method, bool served)
    {
        var apis = Read("""
            {"API": {"Allowed": [
              {"name": "state", "version": "v1", "protocol": "grpc"},
              {"name": "publish", "version": "v1alpha1", "protocol": "grpc"},
              {"name": "invoke", "version": "v1", "protocol": "grpc"}
            ], "denied": [
              {"name": "invoke", "version": "v1", "protocol": "grpc"}
            ]}}
            """);
        Assert.Empty(apis.Problems);
        Assert.Equal(served, apis.ServesGrpc(method));
        Assert.True(apis.ServesHttp("v1.0", "invoke/app/method/x"));
    }

    [Fact]
    public void Broken_rules_are_named_with_their_fields()
    {
        var apis = Read("""
            {"api": {"allowed": [{"name": "state", "protocol": "http"}, "state"], "denied": {"name": "x"}}}
            """);
        Assert.Equal(
            ["spec.api.allowed[0].version: is required (a string)",
             "spec.api.allowed[1]: must be a mapping with name, version and protocol",
             "spec.api.denied: must be a list of {name, version, protocol}"],
            apis.Problems.Select(p => p.ToString()));
    }
}
