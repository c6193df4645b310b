using System.Text;
using System.Text.Json;
using Satcar.Runtime.Errors;
using Satcar.Runtime.PubSub;

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
}
