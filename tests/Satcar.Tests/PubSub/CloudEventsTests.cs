using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Satcar.Runtime.Components;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.PubSub;
using Satcar.Tests.Bindings;

namespace Satcar.Tests.PubSub;

public sealed class CloudEventsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 30, 0, TimeSpan.Zero);

    private static JsonElement Envelope(string data, string? contentType, Action<EnvelopeRequest>? _ = null, CloudEventOverrides? overrides = null, string? traceParent = null) =>
        JsonDocument.Parse(CloudEvents.Envelope(new EnvelopeRequest
        {
            PubSubName = "pubsub",
            Topic = "orders",
            Data = Encoding.UTF8.GetBytes(data),
            ContentType = contentType,
            AppId = "publisher",
            Now = Now,
            TraceParent = traceParent,
            Overrides = overrides ?? new CloudEventOverrides(),
        })).RootElement;

    [Fact]
    public void Wraps_json_data_as_a_json_value_with_daprs_fields()
    {
        var e = Envelope("""{"orderId":1}""", "application/json; charset=utf-8", traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        Assert.Equal("1.0", e.GetProperty("specversion").GetString());
        Assert.True(Guid.TryParse(e.GetProperty("id").GetString(), out _));
        Assert.Equal("publisher", e.GetProperty("source").GetString());
        Assert.Equal("com.dapr.event.sent", e.GetProperty("type").GetString());
        Assert.Equal("application/json; charset=utf-8", e.GetProperty("datacontenttype").GetString());
        Assert.Equal("orders", e.GetProperty("topic").GetString());
        Assert.Equal("pubsub", e.GetProperty("pubsubname").GetString());
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", e.GetProperty("traceparent").GetString());
        Assert.Equal(e.GetProperty("traceparent").GetString(), e.GetProperty("traceid").GetString());
        Assert.Equal("2026-11-25T10:30:00Z", e.GetProperty("time").GetString());
        Assert.Equal(1, e.GetProperty("data").GetProperty("orderId").GetInt32());
    }

    [Fact]
    public void Text_and_missing_content_types_give_string_data()
    {
        var plain = Envelope("hello", null);
        Assert.Equal("text/plain", plain.GetProperty("datacontenttype").GetString());
        Assert.Equal("hello", plain.GetProperty("data").GetString());

        var invalidJson = Envelope("not json", "application/json");
        Assert.Equal("not json", invalidJson.GetProperty("data").GetString());
    }

    [Fact]
    public void Octet_stream_goes_to_data_base64()
    {
        var e = Envelope("bytes", "application/octet-stream");
        Assert.False(e.TryGetProperty("data", out _));
        Assert.Equal("bytes", Encoding.UTF8.GetString(e.GetProperty("data_base64").GetBytesFromBase64()));
    }

    [Fact]
    public void A_published_cloud_event_is_kept_and_completed()
    {
        var e = Envelope("""{"id":"mine","source":"custom","type":"my.type","specversion":"1.0","data":{"x":1},"topic":"spoofed"}""", "application/cloudevents+json");
        Assert.Equal("mine", e.GetProperty("id").GetString());
        Assert.Equal("custom", e.GetProperty("source").GetString());
        Assert.Equal("my.type", e.GetProperty("type").GetString());
        Assert.Equal("orders", e.GetProperty("topic").GetString());
        Assert.Equal("pubsub", e.GetProperty("pubsubname").GetString());
        Assert.True(e.TryGetProperty("traceparent", out _));
        Assert.True(e.TryGetProperty("time", out _));
        Assert.Equal(1, e.GetProperty("data").GetProperty("x").GetInt32());
    }

    [Fact]
    public void A_cloud_event_with_a_non_string_traceid_is_kept_as_it_is()
    {
        var e = Envelope("""{"id":"p","traceid":12345,"data":1}""", "application/cloudevents+json");
        Assert.Equal(12345, e.GetProperty("traceid").GetInt32());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    public void A_malformed_cloud_event_is_refused(string body)
    {
        var error = Assert.Throws<ApiException>(() => Envelope(body, "application/cloudevents+json")).Error;
        Assert.Equal("ERR_PUBSUB_CLOUD_EVENTS_SER", error.Code);
    }

    [Fact]
    public void Metadata_overrides_replace_envelope_fields()
    {
        var e = Envelope("x", "text/plain", overrides: new CloudEventOverrides { Id = "id-1", Source = "src", Type = "t", Subject = "s" });
        Assert.Equal("id-1", e.GetProperty("id").GetString());
        Assert.Equal("src", e.GetProperty("source").GetString());
        Assert.Equal("t", e.GetProperty("type").GetString());
        Assert.Equal("s", e.GetProperty("subject").GetString());
    }

    private static (PubSubService Service, RecordingPubSub Broker) Publisher(PubSubFeatures features)
    {
        var components = new ComponentStore();
        var broker = new RecordingPubSub(features);
        components.Set(TestComponents.Loaded("pubsub", "pubsub.test", broker));
        var service = new PubSubService(components, new SatcarOptions { AppId = "publisher" }, new FakeTimeProvider(Now.AddMilliseconds(700)), NullLogger<PubSubService>.Instance);
        return (service, broker);
    }

    private static async Task<PubSubMessage> Publish(PubSubFeatures features, string data, string contentType, params (string Key, string Value)[] metadata)
    {
        var (service, broker) = Publisher(features);
        await service.PublishAsync(
            new PublishRequest
            {
                PubSubName = "pubsub",
                Topic = "orders",
                Data = Encoding.UTF8.GetBytes(data),
                ContentType = contentType,
                Metadata = metadata.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal),
            },
            CancellationToken.None);
        return Assert.Single(broker.Published);
    }

    [Theory]
    [InlineData("ttlInSeconds", "application/json", """{"orderId":1}""")]
    [InlineData("ttl", "application/json", """{"orderId":1}""")]
    [InlineData("ttlInSeconds", "application/cloudevents+json", """{"id":"mine","data":{"orderId":1}}""")]
    [InlineData("ttlInSeconds", "application/cloudevents+json", """{"id":"mine","expiration":"2030-01-01T00:00:00Z","data":{"orderId":1}}""")]
    public async Task A_publish_ttl_puts_an_rfc3339_expiration_of_now_plus_the_ttl_in_the_envelope(string key, string contentType, string data)
    {
        var message = await Publish(PubSubFeatures.None, data, contentType, (key, "90"));
        var e = JsonDocument.Parse(message.Data).RootElement;
        // daprd writes time.RFC3339, whole seconds in UTC, as for `time`.
        Assert.Equal("2026-11-25T10:30:00Z", e.GetProperty("time").GetString());
        Assert.Equal("2026-11-25T10:31:30Z", e.GetProperty("expiration").GetString());
        Assert.Equal(1, e.GetProperty("data").GetProperty("orderId").GetInt32());
        Assert.Equal("90", message.Metadata[key]);
    }

    [Fact]
    public async Task Without_a_ttl_or_with_a_broker_that_has_native_ttl_there_is_no_expiration()
    {
        var plain = JsonDocument.Parse((await Publish(PubSubFeatures.None, "{}", "application/json")).Data).RootElement;
        Assert.False(plain.TryGetProperty("expiration", out _));

        var native = JsonDocument.Parse((await Publish(PubSubFeatures.MessageTtl, "{}", "application/json", ("ttlInSeconds", "90"))).Data).RootElement;
        Assert.False(native.TryGetProperty("expiration", out _));
    }

    [Fact]
    public async Task A_raw_payload_with_a_ttl_is_published_without_an_envelope()
    {
        var message = await Publish(PubSubFeatures.None, """{"orderId":1}""", "application/json", ("rawPayload", "true"), ("ttlInSeconds", "90"));
        Assert.Equal("""{"orderId":1}""", Encoding.UTF8.GetString(message.Data.Span));
    }

    /// <summary>A broker that records what is published to it.</summary>
    private sealed class RecordingPubSub(PubSubFeatures features) : IPubSub
    {
        public List<PubSubMessage> Published { get; } = [];

        public PubSubFeatures Features => features;

        public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task PublishAsync(PubSubMessage message, CancellationToken cancellationToken)
        {
            Published.Add(message);
            return Task.CompletedTask;
        }

        public Task<IAsyncDisposable> SubscribeAsync(PubSubSubscription subscription, PubSubHandler handler, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
