using System.Text;
using System.Text.Json;
using Satcar.Runtime.PubSub;

namespace Satcar.Tests.PubSub;

public sealed class ProgrammaticSubscriptionsTests
{
    private static (IReadOnlyList<SubscriptionSpec> Subscriptions, List<string> Problems) Parse(string json)
    {
        var problems = new List<string>();
        return (ProgrammaticSubscriptions.Parse(Encoding.UTF8.GetBytes(json), problems), problems);
    }

    [Fact]
    public void Reads_v1_routes_v2_rules_metadata_and_dead_letter_topics()
    {
        var (subscriptions, problems) = Parse("""
            [
              {"pubsubname":"pubsub","topic":"orders","route":"orders","metadata":{"rawPayload":"true"},"deadLetterTopic":"poison"},
              {"pubsubName":"pubsub","topic":"widgets","routes":{"rules":[{"match":"event.type == \"big\"","path":"/big"}],"default":"/widgets"}}
            ]
            """);
        Assert.Empty(problems);
        Assert.Equal(2, subscriptions.Count);
        var orders = subscriptions[0];
        Assert.Equal("/orders", orders.DefaultPath);
        Assert.True(orders.RawPayload);
        Assert.Equal("poison", orders.DeadLetterTopic);
        Assert.Equal("PROGRAMMATIC", orders.Type);

        var widgets = subscriptions[1];
        using var big = JsonDocument.Parse("""{"type":"big"}""");
        using var small = JsonDocument.Parse("""{"type":"small"}""");
        Assert.Equal("/big", widgets.Route(big.RootElement));
        Assert.Equal("/widgets", widgets.Route(small.RootElement));
    }

    [Fact]
    public void Bad_entries_are_reported_and_the_rest_kept()
    {
        var (subscriptions, problems) = Parse("""
            [
              {"pubsubname":"pubsub","topic":"ok","route":"/ok"},
              {"topic":"no-pubsub","route":"/x"},
              {"pubsubname":"pubsub","topic":"no-route"},
              {"pubsubname":"pubsub","topic":"bad-rule","routes":{"rules":[{"match":"nonsense ==","path":"/r"}],"default":"/d"}},
              42
            ]
            """);
        Assert.Equal(["ok", "bad-rule"], subscriptions.Select(s => s.Topic));
        Assert.Equal(4, problems.Count);
        Assert.Empty(subscriptions[1].Rules);
        Assert.Equal("/d", subscriptions[1].DefaultPath);
    }

    [Fact]
    public void A_non_array_answer_is_a_problem()
    {
        var (subscriptions, problems) = Parse("""{"pubsubname":"pubsub"}""");
        Assert.Empty(subscriptions);
        Assert.Single(problems);
    }
}
