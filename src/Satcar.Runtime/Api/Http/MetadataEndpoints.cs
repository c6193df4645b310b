using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Components;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.Metadata;
using Satcar.Runtime.PubSub;
using Satcar.Runtime.Resources;

namespace Satcar.Runtime.Api.Http;

/// <summary>
/// <c>GET /v1.0/metadata</c> and <c>PUT /v1.0/metadata/{key}</c> (https://docs.dapr.io/reference/api/metadata_api/).
/// The JavaScript SDK takes any non-empty 2xx answer here as "the sidecar has started".
/// </summary>
internal sealed class MetadataEndpoints(
    SatcarOptions options,
    ComponentStore components,
    MetadataService metadata,
    AppChannel.AppChannel channel,
    ResourceSet resources,
    SubscriptionManager subscriptions)
{
    public async Task GetMetadataAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("id", options.AppId);
        writer.WriteString("runtimeVersion", MetadataService.RuntimeVersion);

        var features = resources.Configuration?.Features.Where(f => f.Value).Select(f => f.Key).ToList() ?? [];
        if (features.Count > 0)
        {
            writer.WriteStartArray("enabledFeatures");
            features.ForEach(writer.WriteStringValue);
            writer.WriteEndArray();
        }

        writer.WriteStartArray("components");
        foreach (var component in components.All)
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

        if (subscriptions.Current.Count > 0)
        {
            writer.WriteStartArray("subscriptions");
            foreach (var subscription in subscriptions.Current)
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

        if (channel.BaseUri is { } app)
        {
            writer.WriteStartObject("appConnectionProperties");
            writer.WriteNumber("port", app.Port);
            writer.WriteString("protocol", app.Scheme);
            writer.WriteString("channelAddress", app.Host);
            if (options.AppHealthCheck)
            {
                writer.WriteStartObject("health");
                writer.WriteString("healthCheckPath", options.AppHealthCheckPath);
                writer.WriteString("healthProbeInterval", $"{options.AppHealthProbeInterval.TotalSeconds}s");
                writer.WriteString("healthProbeTimeout", $"{options.AppHealthProbeTimeout.TotalMilliseconds}ms");
                writer.WriteNumber("healthThreshold", options.AppHealthThreshold);
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
