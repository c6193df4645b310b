using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.Metadata;

namespace Satcar.Runtime.Api.Http;

/// <summary>
/// <c>GET /v1.0/metadata</c> and <c>PUT /v1.0/metadata/{key}</c> (https://docs.dapr.io/reference/api/metadata_api/).
/// The JavaScript SDK takes any non-empty 2xx answer here as "the sidecar has started".
/// </summary>
internal sealed class MetadataEndpoints(SatcarOptions options, MetadataService metadata)
{
    public async Task GetMetadataAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("id", metadata.AppId);
        writer.WriteString("runtimeVersion", MetadataService.RuntimeVersion);

        var features = metadata.EnabledFeatures;
        if (features.Count > 0)
        {
            writer.WriteStartArray("enabledFeatures");
            foreach (var feature in features)
            {
                writer.WriteStringValue(feature);
            }

            writer.WriteEndArray();
        }

        writer.WriteStartArray("components");
        foreach (var component in metadata.Components)
        {
            writer.WriteStartObject();
            writer.WriteString("name", component.Resource.Name);
            writer.WriteString("type", component.Resource.Type);
            writer.WriteString("version", component.Resource.Version);
            if (component.Capabilities.Count > 0)
            {
                writer.WriteStartArray("capabilities");
                foreach (var capability in component.Capabilities)
                {
                    writer.WriteStringValue(capability);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        var subscriptions = metadata.Subscriptions;
        if (subscriptions.Count > 0)
        {
            writer.WriteStartArray("subscriptions");
            foreach (var subscription in subscriptions)
            {
                writer.WriteStartObject();
                writer.WriteString("pubsubname", subscription.PubSubName);
                writer.WriteString("topic", subscription.Topic);
                writer.WriteStartObject("metadata");
                foreach (var (key, value) in subscription.Metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
                writer.WriteStartArray("rules");
                foreach (var rule in subscription.Rules)
                {
                    writer.WriteStartObject();
                    writer.WriteString("match", rule.Match);
                    writer.WriteString("path", rule.Path);
                    writer.WriteEndObject();
                }

                if (subscription.DefaultPath is { } path)
                {
                    writer.WriteStartObject();
                    writer.WriteString("match", "");
                    writer.WriteString("path", path);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteString("deadLetterTopic", subscription.DeadLetterTopic ?? "");
                writer.WriteString("type", subscription.Type);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteStartObject("extended");
        foreach (var (key, value) in metadata.Extended)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();

        if (metadata.App is { } app)
        {
            writer.WriteStartObject("appConnectionProperties");
            writer.WriteNumber("port", app.Port);
            writer.WriteString("protocol", app.Protocol);
            writer.WriteString("channelAddress", app.ChannelAddress);
            if (app.Health is { } health)
            {
                writer.WriteStartObject("health");
                writer.WriteString("healthCheckPath", health.Path);
                writer.WriteString("healthProbeInterval", MetadataService.FormatInterval(health.ProbeInterval));
                writer.WriteString("healthProbeTimeout", MetadataService.FormatTimeout(health.ProbeTimeout));
                writer.WriteNumber("healthThreshold", health.Threshold);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        writer.WriteStartObject("actorRuntime");
        writer.WriteString("runtimeStatus", "DISABLED");
        writer.WriteBoolean("hostReady", false);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public async Task SetMetadataAsync(HttpContext context, string key)
    {
        var body = await RequestReading.ReadBodyAsync(context, options.MaxBodySize);
        metadata.SetExtended(key, Encoding.UTF8.GetString(body));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }
}
