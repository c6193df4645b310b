using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Satcar.IntegrationTests.GrpcApp;

/// <summary>
/// Pub/sub and input bindings for an app on <c>--app-protocol grpc</c>: <c>ListTopicSubscriptions</c>,
/// <c>OnTopicEvent</c> and its statuses, <c>ListInputBindings</c> and <c>OnBindingEvent</c>.
/// </summary>
public sealed class GrpcAppPubSubAndBindingsTests(GrpcAppFixture fixture) : IClassFixture<GrpcAppFixture>
{
    private GrpcCallbackApp.Recordings Recorder => fixture.App.Recorder;

    [Fact]
    public async Task The_apps_listed_subscriptions_are_in_force()
    {
        Assert.Contains(Recorder.Calls, c => c.Method == "ListTopicSubscriptions" && c.Metadata.GetValueOrDefault("dapr-api-token") == GrpcAppFixture.AppToken);
        using var metadata = JsonDocument.Parse(await fixture.Client.GetStringAsync("/v1.0/metadata"));
        var orders = metadata.RootElement.GetProperty("subscriptions").EnumerateArray().Single(s => s.GetProperty("topic").GetString() == "orders");
        Assert.Equal("PROGRAMMATIC", orders.GetProperty("type").GetString());
        Assert.Equal("grpc-app", orders.GetProperty("metadata").GetProperty("owner").GetString());
        Assert.Equal(["special", "orders"], orders.GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("path").GetString()));
        Assert.Equal("grpc", metadata.RootElement.GetProperty("appConnectionProperties").GetProperty("protocol").GetString());
    }

    [Fact]
    public async Task An_event_reaches_OnTopicEvent_as_daprd_builds_it()
    {
        var id = Guid.NewGuid().ToString("N");
        await PublishAsync("orders", $$"""{"orderId":"{{id}}","n":1}""", "application/json");

        await GrpcCallbackApp.Recordings.WaitAsync(() => Recorder.EventsWith("orders", id).Count > 0, "the event");
        var (request, metadata) = Recorder.Events.Single(e => e.Request.Data.ToStringUtf8().Contains(id, StringComparison.Ordinal));
        Assert.Equal("orders", request.Path);
        Assert.Equal("orders", request.Topic);
        Assert.Equal("pubsub", request.PubsubName);
        Assert.Equal("application/json", request.DataContentType);
        Assert.Equal("1.0", request.SpecVersion);
        Assert.Equal("com.dapr.event.sent", request.Type);
        Assert.Equal(GrpcAppFixture.AppId, request.Source);
        Assert.NotEmpty(request.Id);
        using var data = JsonDocument.Parse(request.Data.Memory);
        Assert.Equal(id, data.RootElement.GetProperty("orderId").GetString());
        Assert.Equal("orders", request.Extensions.Fields["topic"].StringValue);
        Assert.Equal("pubsub", request.Extensions.Fields["pubsubname"].StringValue);
        Assert.False(request.Extensions.Fields.ContainsKey("data"));
        Assert.False(request.Extensions.Fields.ContainsKey("id"));
        Assert.Equal(GrpcAppFixture.AppToken, metadata["dapr-api-token"]);
        Assert.Equal("pubsub", metadata["pubsubname"]);
    }

    [Fact]
    public async Task Rules_route_events_and_a_subscription_without_routes_gets_the_empty_path()
    {
        var id = Guid.NewGuid().ToString("N");
        await PublishAsync("orders", $$"""{"specversion":"1.0","id":"{{id}}","source":"test","type":"special","datacontenttype":"text/plain","data":"special {{id}}"}""", "application/cloudevents+json");
        await PublishAsync("plain", $"plain {id}", "text/plain");

        await GrpcCallbackApp.Recordings.WaitAsync(() => Recorder.EventsWith("orders", id).Count > 0 && Recorder.EventsWith("plain", id).Count > 0, "both events");
        var special = Recorder.EventsWith("orders", id).Single();
        Assert.Equal("special", special.Path);
        Assert.Equal(id, special.Id);
        Assert.Equal("text/plain", special.DataContentType);
        Assert.Equal($"special {id}", special.Data.ToStringUtf8());
        var plain = Recorder.EventsWith("plain", id).Single();
        Assert.Equal("", plain.Path);
        Assert.Equal($"plain {id}", plain.Data.ToStringUtf8());
    }

    public static TheoryData<string, int, bool> Contract => new()
    {
        // what the app answers, attempts it sees, dead-lettered
        { "SUCCESS", 1, false },
        { "RETRY", 3, true },
        { "DROP", 1, true },
        { "error", 3, true },
        // daprd acknowledges an event whose OnTopicEvent is Unimplemented: dropped, without a dead letter.
        { "unimplemented", 1, false },
    };

    [Theory]
    [MemberData(nameof(Contract))]
    public async Task The_apps_answer_decides_the_events_fate(string behavior, int attempts, bool deadLettered)
    {
        var id = Guid.NewGuid().ToString("N");
        await PublishAsync("contract", $$"""{"behavior":"{{behavior}}","id":"{{id}}"}""", "application/json");

        await GrpcCallbackApp.Recordings.WaitAsync(() => Recorder.EventsWith("contract", id).Count >= attempts, $"{attempts} attempts");
        if (deadLettered)
        {
            await GrpcCallbackApp.Recordings.WaitAsync(() => Recorder.EventsWith("contract-dead", id).Count > 0, "the dead letter");
            Assert.Equal("dead", Recorder.EventsWith("contract-dead", id).Single().Path);
        }

        // Give a wrong extra attempt or dead letter time to show up before counting.
        await Task.Delay(2500);
        Assert.Equal(attempts, Recorder.EventsWith("contract", id).Count);
        Assert.Equal(deadLettered ? 1 : 0, Recorder.EventsWith("contract-dead", id).Count);
        Assert.All(Recorder.EventsWith("contract", id), e => Assert.Equal(Recorder.EventsWith("contract", id)[0].Id, e.Id));
    }

    [Fact]
    public async Task Only_the_bindings_the_app_lists_are_delivered()
    {
        await GrpcCallbackApp.Recordings.WaitAsync(() => Recorder.BindingEvents.Count(b => b.Request.Name == "listed") >= 2, "two cron events", seconds: 15);
        Assert.Contains(Recorder.Calls, c => c.Method == "ListInputBindings" && c.Metadata.GetValueOrDefault("dapr-api-token") == GrpcAppFixture.AppToken);
        Assert.Single(Recorder.Calls, c => c.Method == "ListInputBindings");

        var (request, metadata) = Recorder.BindingEvents.First(b => b.Request.Name == "listed");
        Assert.Contains("readTimeUTC", request.Metadata.Keys);
        Assert.Equal(GrpcAppFixture.AppToken, metadata["dapr-api-token"]);

        // The unlisted cron ticks every second too; by now it would have fired.
        await Task.Delay(1500);
        Assert.DoesNotContain(Recorder.BindingEvents, b => b.Request.Name == "unlisted");
    }

    private async Task PublishAsync(string topic, string body, string contentType)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await fixture.Client.PostAsync($"/v1.0/publish/pubsub/{topic}", content);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }
}
