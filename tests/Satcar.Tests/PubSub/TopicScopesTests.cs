using Satcar.Runtime.Components;
using Satcar.Runtime.PubSub;

namespace Satcar.Tests.PubSub;

public sealed class TopicScopesTests
{
    private static TopicScopes Scopes(params (string Key, string Value)[] metadata) =>
        TopicScopes.From(new ComponentMetadata("pubsub", "pubsub.redis", "v1", metadata.Select(m => new KeyValuePair<string, string>(m.Key, m.Value))));

    [Fact]
    public void Without_scopes_every_app_uses_every_topic()
    {
        var scopes = Scopes();
        Assert.True(scopes.CanPublish("a", "t"));
        Assert.True(scopes.CanSubscribe("a", "t"));
    }

    [Fact]
    public void A_listed_app_uses_only_its_topics_and_an_empty_list_means_none()
    {
        var scopes = Scopes(("publishingScopes", "app1=t1,t2;app2="), ("subscriptionScopes", "app1=t3"));
        Assert.True(scopes.CanPublish("app1", "t1"));
        Assert.False(scopes.CanPublish("app1", "t3"));
        Assert.False(scopes.CanPublish("app2", "t1"));
        Assert.True(scopes.CanPublish("app3", "anything"));
        Assert.True(scopes.CanSubscribe("app1", "t3"));
        Assert.False(scopes.CanSubscribe("app1", "t1"));
    }

    [Fact]
    public void Allowed_topics_limit_everyone()
    {
        var scopes = Scopes(("allowedTopics", "t1, t2"));
        Assert.True(scopes.CanPublish("a", "t2"));
        Assert.False(scopes.CanPublish("a", "t3"));
        Assert.False(scopes.CanSubscribe("a", "t3"));
    }

    [Fact]
    public void Protected_topics_need_an_explicit_scope()
    {
        var scopes = Scopes(("protectedTopics", "secret"), ("publishingScopes", "admin=secret"));
        Assert.True(scopes.CanPublish("admin", "secret"));
        Assert.False(scopes.CanPublish("other", "secret"));
        Assert.True(scopes.CanPublish("other", "public"));
    }
}
