using System.Net;
using System.Text;
using System.Text.Json;
using Satcar.Testing;

namespace Satcar.IntegrationTests.PubSub;

/// <summary>
/// A satcar that probes its subscriber app every second (threshold 1), with an in-memory broker, so that
/// an event published while the app is unhealthy waits in the subscriber until the app recovers.
/// </summary>
public sealed class PubSubAppHealthFixture : IAsyncLifetime
{
    public const string AppId = "health-subscriber";

    public const string Subscriptions = """
        [
          {"pubsubname":"memory","topic":"held","route":"/held"},
          {"pubsubname":"memory","topic":"expiring","route":"/expiring","deadLetterTopic":"expiring-dead"},
          {"pubsubname":"memory","topic":"expiring-dead","route":"/expiring-dead","metadata":{"rawPayload":"true"}},
          {"pubsubname":"memory","topic":"expiring-nodlq","route":"/expiring-nodlq"}
        ]
        """;

    private readonly TempDirectory _dir = new();

    public SubscriberApp App { get; private set; } = null!;

    public SatcarProcess Satcar { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await SubscriberApp.StartAsync("127.0.0.1", Subscriptions);
        _dir.Write("resources/pubsub.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: memory
            spec:
              type: pubsub.in-memory
              version: v1
            """);
        Satcar = await SatcarProcess.RunAsync(
            ["--app-id", AppId, "--app-port", App.App.Port.ToString(), "--resources-path", Path.Combine(_dir.Path, "resources"),
             "--enable-app-health-check", "--app-health-probe-interval", "1", "--app-health-threshold", "1", "--app-health-probe-timeout", "2000"],
            waitForApp: true);
        Client = new HttpClient { BaseAddress = Satcar.BaseUri, Timeout = TimeSpan.FromSeconds(30) };

        await SubscriptionWait.UntilStartedAsync(Client, Satcar, 4);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Satcar.DisposeAsync();
        await App.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>
/// Delivery and app health, and publish TTL: nothing reaches an unhealthy app and nothing is lost; an
/// event whose <c>expiration</c> passes before it can be delivered is not delivered, and goes to the
/// dead-letter topic when there is one.
/// </summary>
public sealed class PubSubAppHealthTests(PubSubAppHealthFixture fixture) : IClassFixture<PubSubAppHealthFixture>
{
    private readonly HttpClient _client = fixture.Client;
    private readonly SubscriberApp _app = fixture.App;

    private static string Unique() => Guid.NewGuid().ToString("N");

    private static string? Marker(SubscriberApp.Delivered delivered) => MarkerOf(delivered.Event);

    private static string? MarkerOf(JsonElement cloudEvent) =>
        cloudEvent.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
        && data.TryGetProperty("marker", out var marker) ? marker.GetString() : null;

    /// <summary>The event a <c>rawPayload</c> subscription of the dead-letter topic received, as it was dead-lettered.</summary>
    private static JsonElement? DeadLettered(SubscriberApp.Delivered delivered) =>
        delivered.Event.TryGetProperty("data_base64", out var raw) ? JsonDocument.Parse(raw.GetBytesFromBase64()).RootElement.Clone() : null;

    private async Task Publish(string topic, string marker, string query = "")
    {
        using var response = await _client.PostAsync(
            $"/v1.0/publish/memory/{topic}{query}", new StringContent($$"""{"marker":"{{marker}}"}""", Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Delivers one event first, so that the satcar has seen the app healthy (a satcar may hold events
    /// until the first probe succeeds) and the subscriptions are in force.
    /// </summary>
    private async Task DeliverOneAsync()
    {
        var marker = Unique();
        await Publish("held", marker);
        await _app.WaitAsync(d => d.Any(x => x.Path == "/held" && Marker(x) == marker), "a delivery to the healthy app");
    }

    /// <summary>Makes the app's probe fail and waits until the satcar refuses to invoke it, with daprd's error.</summary>
    private async Task MakeUnhealthyAsync()
    {
        _app.Healthy = false;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            using var response = await _client.GetAsync($"/v1.0/invoke/{PubSubAppHealthFixture.AppId}/method/ping");
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.InternalServerError && body.Contains("app is not in a healthy state", StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the satcar did not see the app unhealthy; last answer {(int)response.StatusCode} {body}. Output:\n{fixture.Satcar.Output}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Nothing_is_delivered_while_the_app_is_unhealthy_and_every_event_arrives_once_it_recovers()
    {
        await DeliverOneAsync();
        var markers = Enumerable.Range(0, 3).Select(_ => Unique()).ToList();
        try
        {
            await MakeUnhealthyAsync();
            foreach (var marker in markers)
            {
                await Publish("held", marker);
            }

            // Probes run every second and a held delivery looks at the app's health every 200 ms: three
            // seconds without a delivery is long enough to see one that should not happen.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.DoesNotContain(_app.Deliveries, x => markers.Contains(Marker(x) ?? ""));
        }
        finally
        {
            _app.Healthy = true;
        }

        await _app.WaitAsync(d => markers.All(m => d.Any(x => x.Path == "/held" && Marker(x) == m)), "the held events after the app recovered");
        await Task.Delay(1000);
        Assert.All(markers, m => Assert.Single(_app.At("/held"), x => Marker(x) == m));
    }

    [Fact]
    public async Task An_event_that_expires_before_it_can_be_delivered_is_not_delivered_and_goes_to_the_dead_letter_topic()
    {
        await DeliverOneAsync();
        var expired = Unique();
        var expiredWithoutDeadLetter = Unique();
        var live = Unique();
        var untimed = Unique();
        try
        {
            await MakeUnhealthyAsync();
            await Publish("expiring", expired, "?metadata.ttlInSeconds=1");
            await Publish("expiring-nodlq", expiredWithoutDeadLetter, "?metadata.ttl=1");
            await Publish("expiring", live, "?metadata.ttlInSeconds=3600");
            await Publish("expiring-nodlq", untimed);

            // The expiration is in whole seconds, at most one second after the publish; wait past it.
            await Task.Delay(TimeSpan.FromSeconds(2.5));
        }
        finally
        {
            _app.Healthy = true;
        }

        await _app.WaitAsync(
            d => d.Any(x => x.Path == "/expiring" && Marker(x) == live)
                && d.Any(x => x.Path == "/expiring-nodlq" && Marker(x) == untimed)
                && d.Any(x => x.Path == "/expiring-dead" && DeadLettered(x) is { } e && MarkerOf(e) == expired),
            "the unexpired events and the dead letter after the app recovered");
        // Give a wrong delivery of the expired events time to show up.
        await Task.Delay(1500);

        Assert.DoesNotContain(_app.Deliveries, x => Marker(x) == expired || Marker(x) == expiredWithoutDeadLetter);
        var dead = Assert.Single(_app.At("/expiring-dead"), x => DeadLettered(x) is { } e && MarkerOf(e) == expired);
        // The dead-letter topic gets the event as it was published, expiration included.
        var original = DeadLettered(dead)!.Value;
        Assert.Equal("expiring", original.GetProperty("topic").GetString());
        Assert.Equal(PubSubAppHealthFixture.AppId, original.GetProperty("source").GetString());
        var expiration = DateTimeOffset.Parse(original.GetProperty("expiration").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(expiration < DateTimeOffset.UtcNow, $"expiration {expiration:O} is not in the past");
        Assert.DoesNotContain(_app.At("/expiring-dead"), x => DeadLettered(x) is { } e && MarkerOf(e) == expiredWithoutDeadLetter);
    }
}
