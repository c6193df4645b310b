// Publish-to-delivery latency through satcars: publishes at a fixed rate to one satcar
// (POST /v1.0/publish/{pubsub}/{topic}, each event carrying its scheduled send time), receives the
// deliveries as the subscriber app of another satcar, and prints the latency from the scheduled send
// time (so a stalled publisher cannot hide delay) to the app's receipt, as JSON.
//
//   dotnet Satcar.PubSubLatency.dll --listen http://127.0.0.3:5060 --publish http://127.0.0.2:3500/v1.0/publish/pubsub/latency
//       --rate 200 --count 6000 [--warmup 400] [--out result.json]
// The subscriber side answers GET /dapr/subscribe with pubsub/latency -> /latency.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

var settings = Settings.Parse(args);
var received = new ConcurrentDictionary<int, long>();
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls(settings.Listen);
var app = builder.Build();
app.MapGet("/dapr/subscribe", () => Results.Text(
    $$"""[{"pubsubname":"{{settings.PubSub}}","topic":"{{settings.Topic}}","route":"/latency"}]""", "application/json"));
app.MapPost("/latency", async (HttpContext context) =>
{
    var now = Stopwatch.GetTimestamp();
    using var cloudEvent = await JsonDocument.ParseAsync(context.Request.Body);
    var data = cloudEvent.RootElement.GetProperty("data");
    received.TryAdd(data.GetProperty("n").GetInt32(), now - data.GetProperty("due").GetInt64());
    return Results.Ok();
});
await app.StartAsync();
Console.Error.WriteLine($"subscriber listening on {settings.Listen}; waiting for the subscription");
if (!await WaitForDeliveryAsync(settings, received))
{
    Console.Error.WriteLine("no delivery arrived within 60 s: is the subscriber's satcar running with this app?");
    return 1;
}

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(30) };
var total = settings.Warmup + settings.Count;
var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 10;
var failedPublishes = 0;
var sends = new List<Task>(total);
for (var i = 0; i < total; i++)
{
    // Open loop: request i is due at start + i/rate, whatever happened to the earlier ones.
    var due = start + (long)(i * (double)Stopwatch.Frequency / settings.Rate);
    var wait = due - Stopwatch.GetTimestamp();
    if (wait > 0)
    {
        await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
    }

    var n = i;
    sends.Add(Task.Run(async () =>
    {
        try
        {
            using var response = await http.PostAsync(settings.Publish,
                new StringContent($$"""{"n":{{n}},"due":{{due}}}""", Encoding.UTF8, "application/json"));
            if ((int)response.StatusCode != 204)
            {
                Interlocked.Increment(ref failedPublishes);
            }
        }
        catch (HttpRequestException)
        {
            Interlocked.Increment(ref failedPublishes);
        }
    }));
}

await Task.WhenAll(sends);
var deadline = DateTime.UtcNow.AddSeconds(30);
while (received.Count(r => r.Key >= settings.Warmup) < settings.Count && DateTime.UtcNow < deadline)
{
    await Task.Delay(100);
}

var latencies = received.Where(r => r.Key >= settings.Warmup)
    .Select(r => r.Value * 1000.0 / Stopwatch.Frequency)
    .Order()
    .ToArray();
double Percentile(double p) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(p / 100 * latencies.Length) - 1)];
var result = new Dictionary<string, object>
{
    ["rate"] = settings.Rate,
    ["published"] = settings.Count,
    ["delivered"] = latencies.Length,
    ["missing"] = settings.Count - latencies.Length,
    ["failedPublishes"] = failedPublishes,
    ["mean_ms"] = latencies.Length == 0 ? double.NaN : latencies.Average(),
    ["p50_ms"] = Percentile(50),
    ["p90_ms"] = Percentile(90),
    ["p99_ms"] = Percentile(99),
    ["max_ms"] = latencies.Length == 0 ? double.NaN : latencies[^1],
};
var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
Console.WriteLine(json);
if (settings.Out is { } file)
{
    await File.WriteAllTextAsync(file, json);
}

await app.StopAsync();
return latencies.Length == settings.Count ? 0 : 1;

static async Task<bool> WaitForDeliveryAsync(Settings settings, ConcurrentDictionary<int, long> received)
{
    // Probe with one event (n = -1) until the subscription carries it.
    using var http = new HttpClient();
    var deadline = DateTime.UtcNow.AddSeconds(60);
    while (DateTime.UtcNow < deadline)
    {
        try
        {
            using var _ = await http.PostAsync(settings.Publish, new StringContent(
                $$"""{"n":-1,"due":{{Stopwatch.GetTimestamp()}}}""", Encoding.UTF8, "application/json"));
        }
        catch (HttpRequestException)
        {
        }

        await Task.Delay(500);
        if (received.ContainsKey(-1))
        {
            return true;
        }
    }

    return false;
}

internal sealed record Settings(string Listen, string Publish, string PubSub, string Topic, double Rate, int Count, int Warmup, string? Out)
{
    public static Settings Parse(string[] args)
    {
        string Get(string name, string? fallback = null)
        {
            var at = Array.IndexOf(args, name);
            return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback ?? throw new ArgumentException($"{name} is required");
        }

        var publish = Get("--publish");
        var path = new Uri(publish).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return new Settings(
            Get("--listen"), publish, path[^2], path[^1],
            double.Parse(Get("--rate", "200"), CultureInfo.InvariantCulture),
            int.Parse(Get("--count", "6000"), CultureInfo.InvariantCulture),
            int.Parse(Get("--warmup", "400"), CultureInfo.InvariantCulture),
            args.Contains("--out") ? Get("--out") : null);
    }
}
