using System.Text.Json;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Satcar.Runtime.PubSub;

namespace Satcar.Tests.PubSub;

public sealed class GrpcTopicEventsTests
{
    private static TopicEventRequest Request(string cloudEvent, string path = "/orders")
    {
        using var document = JsonDocument.Parse(cloudEvent);
        var request = GrpcTopicEvents.Request(document.RootElement, "pubsub", "orders", path, out var problem);
        Assert.Null(problem);
        return request!;
    }

    [Fact]
    public void The_own_attributes_are_fields_and_the_rest_are_extensions()
    {
        var request = Request("""{"id":"1","source":"app","type":"t","specversion":"1.0","datacontenttype":"application/json","data":{"b":2,"a":[1,"x"]},"topic":"orders","traceid":"00-1","n":3.5,"ok":true}""");

        Assert.Equal(("1", "app", "t", "1.0", "application/json"), (request.Id, request.Source, request.Type, request.SpecVersion, request.DataContentType));
        Assert.Equal(("pubsub", "orders", "/orders"), (request.PubsubName, request.Topic, request.Path));
        Assert.Equal("""{"b":2,"a":[1,"x"]}""", request.Data.ToStringUtf8());
        Assert.Equal(["topic", "traceid", "n", "ok"], request.Extensions.Fields.Keys);
        Assert.Equal(3.5, request.Extensions.Fields["n"].NumberValue);
        Assert.True(request.Extensions.Fields["ok"].BoolValue);
    }

    [Theory]
    [InlineData("""{"datacontenttype":"text/plain","data":"hi"}""", "hi")]
    [InlineData("""{"datacontenttype":"application/xml; charset=utf-8","data":"<a/>"}""", "<a/>")]
    [InlineData("""{"datacontenttype":"application/json","data":"hi"}""", "\"hi\"")]
    [InlineData("""{"datacontenttype":"application/cloudevents+json","data":{"x":1}}""", """{"x":1}""")]
    [InlineData("""{"datacontenttype":"application/octet-stream","data_base64":"aGk="}""", "hi")]
    [InlineData("""{"datacontenttype":"application/octet-stream","data":"ignored"}""", "")]
    [InlineData("""{"data":{"x":1}}""", "")]
    public void Data_is_set_as_daprd_sets_it(string cloudEvent, string expected) =>
        Assert.Equal(expected, Request(cloudEvent).Data.ToStringUtf8());

    [Theory]
    [InlineData("""{"datacontenttype":"text/plain","data":{"x":1}}""")]
    [InlineData("""{"data_base64":"not base64!"}""")]
    [InlineData("""{"data_base64":42}""")]
    public void Data_that_does_not_fit_its_content_type_is_a_problem(string cloudEvent)
    {
        using var document = JsonDocument.Parse(cloudEvent);
        Assert.Null(GrpcTopicEvents.Request(document.RootElement, "pubsub", "orders", "", out var problem));
        Assert.NotNull(problem);
    }

    [Fact]
    public void Listed_subscriptions_keep_their_paths_and_one_without_routes_gets_the_empty_path()
    {
        var response = new ListTopicSubscriptionsResponse
        {
            Subscriptions =
            {
                new TopicSubscription
                {
                    PubsubName = "pubsub", Topic = "orders", DeadLetterTopic = "dead", Metadata = { ["rawPayload"] = "true" },
                    Routes = new TopicRoutes { Rules = { new TopicRule { Match = "event.type == \"a\"", Path = "a" } }, Default = "b" },
                },
                new TopicSubscription { PubsubName = "pubsub", Topic = "plain" },
                new TopicSubscription { PubsubName = "pubsub", Topic = "rules-only", Routes = new TopicRoutes { Rules = { new TopicRule { Path = "x" } } } },
                new TopicSubscription { PubsubName = "", Topic = "nameless" },
                new TopicSubscription { PubsubName = "pubsub", Topic = "bad", Routes = new TopicRoutes { Rules = { new TopicRule { Match = "event.type ==", Path = "a" } } } },
            },
        };
        var problems = new List<string>();

        var subscriptions = GrpcTopicEvents.Subscriptions(response, problems);

        Assert.Equal(["orders", "plain", "rules-only", "bad"], subscriptions.Select(s => s.Topic));
        Assert.Equal(2, problems.Count);
        var orders = subscriptions[0];
        Assert.Equal(("a", "b", "dead", true, "PROGRAMMATIC"), (orders.Rules.Single().Path, orders.DefaultPath, orders.DeadLetterTopic, orders.RawPayload, orders.Type));
        Assert.Equal("", subscriptions[1].DefaultPath);
        Assert.Null(subscriptions[2].DefaultPath);
        using var special = JsonDocument.Parse("""{"type":"a"}""");
        using var other = JsonDocument.Parse("""{"type":"z"}""");
        Assert.Equal("a", orders.Route(special.RootElement));
        Assert.Equal("b", orders.Route(other.RootElement));
        Assert.Equal("", subscriptions[1].Route(other.RootElement));
    }
}
