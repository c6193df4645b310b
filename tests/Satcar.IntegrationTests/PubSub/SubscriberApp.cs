using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Satcar.Testing;

namespace Satcar.IntegrationTests.PubSub;

/// <summary>
/// A subscriber app: answers <c>GET /dapr/subscribe</c> with the subscriptions it is given, records
/// every event delivered to any route, and answers each event (except on <c>/dead</c>) the way the event's
/// <c>data.behavior</c> asks (<c>404</c>, <c>500</c>, <c>not-json</c> for a body that is not JSON, <c>fail-N</c>:
/// RETRY for the first N deliveries, then SUCCESS; any other string, empty too, is answered as
/// <c>{"status":"…"}</c>). <c>/healthz</c> follows <see cref="Healthy"/>.
/// </summary>
public sealed class SubscriberApp : IAsyncDisposable
{
    private readonly ConcurrentQueue<Delivered> _deliveries = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private FakeApp _app = null!;

    /// <summary>Set to false to make <c>/healthz</c> answer 500.</summary>
    public bool Healthy { get; set; } = true;

    public FakeApp App => _app;

    public IReadOnlyList<Delivered> Deliveries => [.. _deliveries];

    public static async Task<SubscriberApp> StartAsync(string address, string subscriptionsJson)
    {
        var subscriber = new SubscriberApp();
        subscriber._app = await FakeApp.StartAsync(address, (context, body) => subscriber.HandleAsync(context, body, subscriptionsJson));
        return subscriber;
    }

    /// <summary>The deliveries to <paramref name="path"/>.</summary>
    public IReadOnlyList<Delivered> At(string path) => [.. _deliveries.Where(d => d.Path == path)];

    /// <summary>Waits until <paramref name="condition"/> holds, for up to <paramref name="seconds"/>.</summary>
    public async Task WaitAsync(Func<IReadOnlyList<Delivered>, bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition(Deliveries))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} did not happen within {seconds} s; deliveries: {string.Join(", ", Deliveries.Select(d => $"{d.Path}:{d.Id}"))}");
            await Task.Delay(50);
        }
    }

    private async Task<bool> HandleAsync(HttpContext context, byte[] body, string subscriptionsJson)
    {
        var path = context.Request.Path.Value ?? "";
        if (path == "/dapr/subscribe")
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(subscriptionsJson);
            return true;
        }

        if (path == "/healthz")
        {
            context.Response.StatusCode = Healthy ? 200 : 500;
            return true;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            return false;
        }

        JsonElement cloudEvent;
        try
        {
            cloudEvent = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return false;
        }

        var id = cloudEvent.TryGetProperty("id", out var idValue) ? idValue.ToString() : "";
        // The dead-letter route takes whatever arrives; the others answer as the event asks.
        var behavior = path != "/dead" && cloudEvent.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("behavior", out var b) ? b.GetString() ?? "SUCCESS" : "SUCCESS";
        var attempt = _attempts.AddOrUpdate($"{path}|{id}", 1, (_, n) => n + 1);
        _deliveries.Enqueue(new Delivered(path, id, cloudEvent, context.Request.ContentType ?? "",
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), attempt));

        switch (behavior)
        {
            case "404":
                context.Response.StatusCode = 404;
                return true;
            case "500":
                context.Response.StatusCode = 500;
                return true;
            case "not-json":
                await context.Response.WriteAsync("fine, thanks");
                return true;
            case var fail when fail.StartsWith("fail-", StringComparison.Ordinal):
                var failures = int.Parse(fail["fail-".Length..]);
                await WriteStatus(context, attempt <= failures ? "RETRY" : "SUCCESS");
                return true;
            default:
                await WriteStatus(context, behavior);
                return true;
        }
    }

    private static Task WriteStatus(HttpContext context, string status)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync($$"""{"status":"{{status}}"}""");
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>One delivery: the route, the event id, the CloudEvent, the content type, the headers, and which attempt it was.</summary>
    public sealed record Delivered(string Path, string Id, JsonElement Event, string ContentType, IReadOnlyDictionary<string, string> Headers, int Attempt)
    {
        public JsonElement Data => Event.GetProperty("data");
    }
}
