using System.Net;
using System.Text;
using System.Text.Json;
using Satcar.Testing;

namespace Satcar.IntegrationTests.PubSub;

/// <summary>A satcar with Redis Streams and in-memory brokers, declarative and programmatic subscriptions, and a subscriber app.</summary>
public sealed class PubSubFixture : IAsyncLifetime
{
    public const string Subscriptions = """
        [
          {"pubsubname":"pubsub","topic":"orders","route":"/orders"},
          {"pubsubname":"pubsub","topic":"contract","route":"contract","deadLetterTopic":"contract-dead"},
          {"pubsubname":"pubsub","topic":"contract-dead","route":"/dead"},
          {"pubsubname":"pubsub","topic":"nodlq","route":"/nodlq"},
          {"pubsubname":"memory","topic":"orders","route":"/memory-orders"}
        ]
        """;

    private readonly TempDirectory _dir = new();

    public RedisServer Redis { get; private set; } = null!;

    public SubscriberApp App { get; private set; } = null!;

    public SatcarProcess Satcar { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        App = await SubscriberApp.StartAsync("127.0.0.1", Subscriptions);
        _dir.Write("resources/pubsub.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: pubsub.redis
              version: v1
              metadata:
              - name: redisHost
                value: {Redis.HostPort}
              - name: processingTimeout
                value: 2s
              - name: redeliverInterval
                value: 1s
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: memory
            spec:
              type: pubsub.in-memory
              version: v1
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: scoped
            spec:
              type: pubsub.in-memory
              version: v1
              metadata:
              - name: allowedTopics
                value: allowed
            """);
        _dir.Write("resources/subscriptions.yaml", """
            apiVersion: dapr.io/v2alpha1
            kind: Subscription
            metadata:
              name: routed
            spec:
              pubsubname: pubsub
              topic: routed
              routes:
                rules:
                - match: event.data.size == "big"
                  path: /big
                default: /small
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Subscription
            metadata:
              name: raw
            spec:
              pubsubname: pubsub
              topic: raw-topic
              route: /raw
              metadata:
                rawPayload: "true"
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Subscription
            metadata:
              name: not-for-us
            spec:
              pubsubname: pubsub
              topic: elsewhere
              route: /elsewhere
            scopes:
            - another-app
            """);
        Satcar = await SatcarProcess.RunAsync(
            ["--app-id", "subscriber", "--app-port", App.App.Port.ToString(), "--resources-path", Path.Combine(_dir.Path, "resources")],
            waitForApp: true);
        Client = new HttpClient { BaseAddress = Satcar.BaseUri, Timeout = TimeSpan.FromSeconds(30) };

        await SubscriptionWait.UntilStartedAsync(Client, Satcar, 7);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Satcar.DisposeAsync();
        await App.DisposeAsync();
        await Redis.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>Publishing and delivery through one satcar: daprd's envelope, routing, and the app's answer contract.</summary>
public sealed class PubSubApiTests(PubSubFixture fixture) : IClassFixture<PubSubFixture>
{
    private readonly HttpClient _client = fixture.Client;
    private readonly SubscriberApp _app = fixture.App;

    private static string Unique() => Guid.NewGuid().ToString("N");

    private async Task Publish(string pubsub, string topic, string body, string contentType = "application/json", string query = "")
    {
        using var response = await _client.PostAsync($"/v1.0/publish/{pubsub}/{topic}{query}", new StringContent(body, Encoding.UTF8, contentType));
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
    }

    private static async Task AssertError(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(code, JsonDocument.Parse(body).RootElement.GetProperty("errorCode").GetString());
    }

    [Fact]
    public async Task A_json_event_arrives_as_a_cloud_event_with_daprs_fields()
    {
        var marker = Unique();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/publish/pubsub/orders")
        {
            Content = new StringContent($$"""{"orderId":7,"marker":"{{marker}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        Assert.Equal(HttpStatusCode.NoContent, (await _client.SendAsync(request)).StatusCode);

        await _app.WaitAsync(d => d.Any(x => x.Path == "/orders" && x.Data.GetProperty("marker").GetString() == marker), "the delivery");
        var delivered = _app.At("/orders").Single(x => x.Data.GetProperty("marker").GetString() == marker);
        Assert.StartsWith("application/cloudevents+json", delivered.ContentType, StringComparison.Ordinal);
        var e = delivered.Event;
        Assert.Equal("1.0", e.GetProperty("specversion").GetString());
        Assert.Equal("subscriber", e.GetProperty("source").GetString());
        Assert.Equal("com.dapr.event.sent", e.GetProperty("type").GetString());
        Assert.Equal("orders", e.GetProperty("topic").GetString());
        Assert.Equal("pubsub", e.GetProperty("pubsubname").GetString());
        Assert.StartsWith("application/json", e.GetProperty("datacontenttype").GetString(), StringComparison.Ordinal);
        Assert.Equal(7, delivered.Data.GetProperty("orderId").GetInt32());
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", delivered.Headers["traceparent"]);
        Assert.Equal("pubsub", delivered.Headers["pubsubname"]);
    }

    [Fact]
    public async Task Text_octet_stream_and_published_cloud_events_follow_the_envelope_rules()
    {
        var marker = Unique();
        await Publish("pubsub", "orders", $"plain {marker}", "text/plain");
        await Publish("pubsub", "orders", $"bytes {marker}", "application/octet-stream");
        await Publish("pubsub", "orders", $$$"""{"id":"own-{{{marker}}}","source":"mine","type":"custom.type","specversion":"1.0","data":{"marker":"{{{marker}}}"}}""", "application/cloudevents+json");

        await _app.WaitAsync(d => d.Count(x => x.Path == "/orders" && x.Event.GetRawText().Contains(marker, StringComparison.Ordinal)) >= 2
            && d.Any(x => x.Id == $"own-{marker}"), "three deliveries");
        var text = _app.At("/orders").Single(x => x.Event.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.String && data.GetString() == $"plain {marker}");
        // The publish's content type goes into the envelope verbatim, parameters included.
        Assert.Equal("text/plain; charset=utf-8", text.Event.GetProperty("datacontenttype").GetString());

        await _app.WaitAsync(d => d.Any(x => x.Event.TryGetProperty("data_base64", out var b) && Encoding.UTF8.GetString(b.GetBytesFromBase64()) == $"bytes {marker}"), "the octet-stream delivery");

        var own = _app.At("/orders").Single(x => x.Id == $"own-{marker}");
        Assert.Equal("mine", own.Event.GetProperty("source").GetString());
        Assert.Equal("custom.type", own.Event.GetProperty("type").GetString());
        Assert.Equal("orders", own.Event.GetProperty("topic").GetString());
    }

    [Fact]
    public async Task The_in_memory_broker_delivers_too()
    {
        var marker = Unique();
        await Publish("memory", "orders", $$"""{"marker":"{{marker}}"}""");
        await _app.WaitAsync(d => d.Any(x => x.Path == "/memory-orders" && x.Data.GetProperty("marker").GetString() == marker), "the delivery");
    }

    [Fact]
    public async Task Routing_rules_of_a_declarative_subscription_pick_the_path()
    {
        var marker = Unique();
        await Publish("pubsub", "routed", $$"""{"size":"big","marker":"{{marker}}"}""");
        await Publish("pubsub", "routed", $$"""{"size":"small","marker":"{{marker}}"}""");
        await _app.WaitAsync(d => d.Any(x => x.Path == "/big" && x.Data.GetProperty("marker").GetString() == marker)
            && d.Any(x => x.Path == "/small" && x.Data.GetProperty("marker").GetString() == marker), "both routes");
        Assert.Single(_app.At("/big"), x => x.Data.GetProperty("marker").GetString() == marker);
    }

    [Fact]
    public async Task A_raw_payload_is_published_as_is_and_wrapped_for_a_raw_subscription()
    {
        var raw = $"raw bytes {Unique()}";
        await Publish("pubsub", "raw-topic", raw, "application/octet-stream", "?metadata.rawPayload=true");
        await _app.WaitAsync(d => d.Any(x => x.Path == "/raw" && Encoding.UTF8.GetString(x.Event.GetProperty("data_base64").GetBytesFromBase64()) == raw), "the raw delivery");
        var delivered = _app.At("/raw").Single(x => Encoding.UTF8.GetString(x.Event.GetProperty("data_base64").GetBytesFromBase64()) == raw);
        Assert.Equal("application/octet-stream", delivered.Event.GetProperty("datacontenttype").GetString());
        Assert.Equal("raw-topic", delivered.Event.GetProperty("topic").GetString());
    }

    public static TheoryData<string, int, bool> Contract => new()
    {
        // behavior, attempts the app sees, dead-lettered
        { "SUCCESS", 1, false },
        { "", 1, false },
        { "not-json", 1, false },
        { "DROP", 1, true },
        { "404", 1, true },
        { "RETRY", 3, true },
        { "500", 3, true },
        { "drop", 3, true },
        { "fail-2", 3, false },
    };

    [Theory]
    [MemberData(nameof(Contract))]
    public async Task The_apps_answer_decides_the_events_fate(string behavior, int attempts, bool deadLettered)
    {
        var id = Unique();
        await Publish("pubsub", "contract", $$$"""{"id":"{{{id}}}","behavior":"{{{behavior}}}","specversion":"1.0","data":{"behavior":"{{{behavior}}}"}}""", "application/cloudevents+json");

        await _app.WaitAsync(d => d.Count(x => x.Path == "/contract" && x.Id == id) >= attempts, $"{attempts} attempts");
        if (deadLettered)
        {
            await _app.WaitAsync(d => d.Any(x => x.Path == "/dead" && x.Id == id), "the dead letter");
        }

        // Give a wrong extra attempt or dead letter time to show up before counting.
        await Task.Delay(2500);
        Assert.Equal(attempts, _app.At("/contract").Count(x => x.Id == id));
        Assert.Equal(deadLettered ? 1 : 0, _app.At("/dead").Count(x => x.Id == id));
    }

    [Fact]
    public async Task Without_a_dead_letter_topic_a_failing_event_stays_with_redis_and_comes_back()
    {
        var id = Unique();
        await Publish("pubsub", "nodlq", $$$"""{"id":"{{{id}}}","specversion":"1.0","data":{"behavior":"RETRY"}}""", "application/cloudevents+json");
        // Three attempts per delivery, then redelivery after processingTimeout (2 s): more than three in all.
        await _app.WaitAsync(d => d.Count(x => x.Path == "/nodlq" && x.Id == id) >= 6, "a redelivery after the first three attempts", seconds: 45);
    }

    [Fact]
    public async Task A_poison_cloud_event_is_delivered_and_the_satcar_keeps_serving()
    {
        var id = Unique();
        await Publish("pubsub", "orders", $$$"""{"id":"{{{id}}}","traceid":12345,"traceparent":true,"specversion":"1.0","data":{"marker":"{{{id}}}"}}""", "application/cloudevents+json");
        await _app.WaitAsync(d => d.Any(x => x.Id == id), "the poison delivery");
        Assert.False(fixture.Satcar.HasExited);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.GetAsync("/v1.0/healthz")).StatusCode);
    }

    [Fact]
    public async Task Bulk_publish_delivers_every_entry()
    {
        var marker = Unique();
        var body = $$"""
            [
              {"entryId":"1","event":{"marker":"{{marker}}","n":1},"contentType":"application/json"},
              {"entryId":"2","event":"text {{marker}}","contentType":"text/plain"},
              {"entryId":"3","event":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes("b " + marker))}}","contentType":"application/octet-stream"}
            ]
            """;
        using var response = await _client.PostAsync("/v1.0-alpha1/publish/bulk/pubsub/orders", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await _app.WaitAsync(d => d.Count(x => x.Path == "/orders" && x.Event.GetRawText().Contains(marker, StringComparison.Ordinal)) >= 2
            && d.Any(x => x.Event.TryGetProperty("data_base64", out var b) && Encoding.UTF8.GetString(b.GetBytesFromBase64()) == "b " + marker), "three deliveries");

        using var stable = await _client.PostAsync("/v1.0/publish/bulk/pubsub/orders", new StringContent($$"""[{"entryId":"a","event":{"marker":"{{marker}}-v1"},"contentType":"application/json"}]""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NoContent, stable.StatusCode);
    }

    public static TheoryData<string, string, string, int, string> Errors => new()
    {
        { "/v1.0/publish/nobody/orders", "{}", "application/json", 404, "ERR_PUBSUB_NOT_FOUND" },
        { "/v1.0/publish/pubsub", "{}", "application/json", 404, "ERR_TOPIC_NAME_EMPTY" },
        { "/v1.0/publish/scoped/forbidden", "{}", "application/json", 403, "ERR_PUBSUB_FORBIDDEN" },
        { "/v1.0/publish/pubsub/orders?metadata.rawPayload=maybe", "{}", "application/json", 400, "ERR_PUBSUB_REQUEST_METADATA" },
        { "/v1.0/publish/pubsub/orders?metadata.ttlInSeconds=soon", "{}", "application/json", 400, "ERR_PUBSUB_REQUEST_METADATA" },
        { "/v1.0/publish/pubsub/orders", "{not json", "application/cloudevents+json", 400, "ERR_PUBSUB_CLOUD_EVENTS_SER" },
        { "/v1.0/publish/bulk/pubsub/orders", """[{"entryId":"1","event":1,"contentType":"application/json"},{"entryId":"1","event":2,"contentType":"application/json"}]""", "application/json", 400, "ERR_PUBSUB_EVENTS_SER" },
        { "/v1.0/publish/bulk/pubsub/orders", """[{"entryId":"1","event":1,"contentType":"text/plain"}]""", "application/json", 400, "ERR_PUBSUB_EVENTS_SER" },
        { "/v1.0/publish/bulk/pubsub/orders", """[{"event":1,"contentType":"application/json"}]""", "application/json", 400, "ERR_PUBSUB_EVENTS_SER" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Bad_publishes_get_daprs_errors(string path, string body, string contentType, int status, string code)
    {
        using var response = await _client.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));
        await AssertError(response, (HttpStatusCode)status, code);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused()
    {
        using var response = await _client.PostAsync("/v1.0/publish/pubsub/orders", new ByteArrayContent(new byte[(4 * 1024 * 1024) + 1]));
        await AssertError(response, HttpStatusCode.BadRequest, "ERR_BODY_READ");
    }

    [Fact]
    public async Task The_metadata_api_lists_the_subscriptions()
    {
        using var metadata = JsonDocument.Parse(await _client.GetStringAsync("/v1.0/metadata"));
        var subscriptions = metadata.RootElement.GetProperty("subscriptions").EnumerateArray().ToList();
        var routed = subscriptions.Single(s => s.GetProperty("topic").GetString() == "routed");
        Assert.Equal("DECLARATIVE", routed.GetProperty("type").GetString());
        Assert.Equal("event.data.size == \"big\"", routed.GetProperty("rules")[0].GetProperty("match").GetString());
        var contract = subscriptions.Single(s => s.GetProperty("topic").GetString() == "contract");
        Assert.Equal("PROGRAMMATIC", contract.GetProperty("type").GetString());
        Assert.Equal("contract-dead", contract.GetProperty("deadLetterTopic").GetString());
        Assert.DoesNotContain(subscriptions, s => s.GetProperty("topic").GetString() == "elsewhere");
    }
}
