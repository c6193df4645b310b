using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Bindings;

/// <summary>
/// Input bindings of a running <c>satcar run</c>: a cron binding delivering to the app after an
/// <c>OPTIONS</c> probe, not delivering when the probe is refused, skipping the probe with
/// <c>direction: input</c>, reaching a remote app through <c>--app-url</c>, and pausing while the app is unhealthy.
/// </summary>
public sealed partial class InputBindingsTests : IAsyncLifetime
{
    private const string AppToken = "app-token-for-bindings";

    private readonly TempDirectory _dir = new();
    private readonly List<IAsyncDisposable> _started = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // Satcars first, then their apps.
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            await _started[i].DisposeAsync();
        }

        _dir.Dispose();
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,7})? \+0000 UTC$")]
    private static partial Regex GoUtcTime();

    private async Task<FakeApp> AppAsync(Func<Microsoft.AspNetCore.Http.HttpContext, byte[], Task<bool>>? handler = null, string address = "127.0.0.1")
    {
        var app = await FakeApp.StartAsync(address, handler);
        _started.Add(app);
        return app;
    }

    private async Task<SatcarProcess> SatcarAsync(string resources, IEnumerable<string> args, string host = "127.0.0.1")
    {
        var folder = Path.Combine(_dir.Path, Guid.NewGuid().ToString("N"));
        _dir.Write(Path.Combine(Path.GetFileName(folder), "bindings.yaml"), resources);
        var satcar = await SatcarProcess.RunAsync(
            ["--app-id", "cronapp", "--resources-path", folder, "--log-level", "debug", .. args],
            new Dictionary<string, string?> { ["APP_API_TOKEN"] = AppToken },
            host);
        _started.Add(satcar);
        return satcar;
    }

    private static string Cron(string name, string schedule, params (string Key, string Value)[] metadata) => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: bindings.cron
          version: v1
          metadata:
          - name: schedule
            value: "{schedule}"
        {string.Concat(metadata.Select(m => $"  - name: {m.Key}\n    value: \"{m.Value}\"\n"))}
        """;

    /// <summary>Polls until <paramref name="condition"/> holds; fails with the satcar's output after 20 s or when it exits.</summary>
    private static Task Eventually(Func<bool> condition, SatcarProcess satcar, string what) =>
        Eventually(() => Task.FromResult(condition()), satcar, what);

    private static async Task Eventually(Func<Task<bool>> condition, SatcarProcess satcar, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline || satcar.HasExited)
            {
                Assert.Fail($"{what} did not happen within 20 s. Satcar output:\n{satcar.Output}");
            }

            await Task.Delay(50);
        }
    }

    private static List<RecordedRequest> To(FakeApp app, string path) => [.. app.Requests.Where(r => r.Path == path)];

    [Fact]
    public async Task Cron_delivers_to_the_route_after_an_options_probe()
    {
        var app = await AppAsync();
        var satcar = await SatcarAsync(Cron("ticks", "@every 1s", ("route", "/cron-ticks")), ["--app-port", app.Port.ToString()]);

        await Eventually(() => To(app, "/cron-ticks").Count(r => r.Method == "POST") >= 2, satcar, "two cron deliveries");
        var requests = To(app, "/cron-ticks");
        Assert.Equal("OPTIONS", requests[0].Method);
        Assert.Single(requests, r => r.Method == "OPTIONS");
        Assert.Equal(AppToken, Assert.Single(requests[0].Header("dapr-api-token")));

        foreach (var post in requests.Skip(1))
        {
            Assert.Equal("POST", post.Method);
            Assert.Empty(post.Body);
            Assert.Equal("application/json", Assert.Single(post.Header("Content-Type")));
            Assert.Equal(AppToken, Assert.Single(post.Header("dapr-api-token")));
            Assert.Equal("Local", Assert.Single(post.Header("timeZone")));
            Assert.Matches(GoUtcTime(), Assert.Single(post.Header("readTimeUTC")));
        }
    }

    [Fact]
    public async Task A_probe_answered_404_stops_a_binding_and_direction_input_skips_the_probe()
    {
        // Both routes refuse OPTIONS; only the binding that lists direction: input is read.
        var app = await AppAsync((context, _) =>
        {
            if (context.Request.Method == "OPTIONS")
            {
                context.Response.StatusCode = 404;
                return Task.FromResult(true);
            }

            return Task.FromResult(false);
        });
        var satcar = await SatcarAsync(
            Cron("ignored", "@every 1s") + "\n---\n" + Cron("explicit", "@every 1s", ("direction", "input")),
            ["--app-port", app.Port.ToString()]);

        await Eventually(() => satcar.Output.Contains("Input binding ignored: the app has not subscribed to /ignored", StringComparison.Ordinal), satcar, "the refused probe");
        await Eventually(() => To(app, "/explicit").Count(r => r.Method == "POST") >= 2, satcar, "two deliveries of the explicit input binding");

        Assert.Equal(["OPTIONS"], To(app, "/ignored").Select(r => r.Method));
        Assert.DoesNotContain(To(app, "/explicit"), r => r.Method == "OPTIONS");
    }

    [Fact]
    public async Task Cron_reaches_a_remote_app_through_app_url()
    {
        var app = await AppAsync(address: "127.0.0.3");
        var url = new Uri(app.BaseUri, "/base").ToString();
        var satcar = await SatcarAsync(Cron("remote", "@every 1s", ("route", "ticks")), ["--app-url", url], host: "127.0.0.2");

        await Eventually(() => To(app, "/base/ticks").Any(r => r.Method == "POST"), satcar, "a delivery to the remote app");
        var requests = To(app, "/base/ticks");
        Assert.Equal("OPTIONS", requests[0].Method);
        Assert.Equal(AppToken, Assert.Single(requests.First(r => r.Method == "POST").Header("dapr-api-token")));
    }

    [Fact]
    public async Task Hot_reload_moves_a_cron_to_its_new_route_and_stops_a_removed_one()
    {
        var app = await AppAsync();
        var folder = Path.Combine(_dir.Path, "reloaded");
        var moving = Path.Combine(folder, "moving.yaml");
        _dir.Write("reloaded/steady.yaml", Cron("steady", "@every 1s", ("direction", "input")));
        _dir.Write("reloaded/moving.yaml", Cron("moving", "@every 1s", ("direction", "input"), ("route", "before")));
        var satcar = await SatcarProcess.RunAsync(
            ["--app-id", "reloaded", "--app-port", app.Port.ToString(), "--resources-path", folder, "--log-level", "debug"]);
        _started.Add(satcar);
        int Posts(string path) => To(app, path).Count(r => r.Method == "POST");

        // After each change, one steady tick lets a delivery in flight land; two more show nothing else arrives.
        async Task AssertNoMorePosts(string path)
        {
            var steady = Posts("/steady");
            await Eventually(() => Posts("/steady") >= steady + 1, satcar, "a steady tick");
            var count = Posts(path);
            await Eventually(() => Posts("/steady") >= steady + 3, satcar, "two more steady ticks");
            Assert.Equal(count, Posts(path));
        }

        await Eventually(() => Posts("/before") >= 1, satcar, "a delivery to the first route");
        await File.WriteAllTextAsync(moving, Cron("moving", "@every 1s", ("direction", "input"), ("route", "after")));
        await Eventually(() => Posts("/after") >= 1, satcar, "a delivery to the new route");
        await AssertNoMorePosts("/before");

        File.Delete(moving);
        using var client = new HttpClient { BaseAddress = satcar.BaseUri };
        await Eventually(
            async () => !(await client.GetStringAsync("/v1.0/metadata")).Contains("\"moving\"", StringComparison.Ordinal),
            satcar,
            "the removal of the component");
        await AssertNoMorePosts("/after");
    }

    [Fact]
    public async Task Ticks_are_skipped_while_the_app_is_unhealthy()
    {
        var healthy = true;
        var order = new ConcurrentQueue<string>();
        var app = await AppAsync((context, _) =>
        {
            var path = context.Request.Path.Value ?? "";
            order.Enqueue($"{context.Request.Method} {path}");
            if (path == "/healthz")
            {
                context.Response.StatusCode = Volatile.Read(ref healthy) ? 200 : 500;
                return Task.FromResult(true);
            }

            return Task.FromResult(false);
        });
        var satcar = await SatcarAsync(
            Cron("ticks", "@every 1s", ("direction", "input")),
            ["--app-port", app.Port.ToString(), "--enable-app-health-check", "--app-health-probe-interval", "1", "--app-health-threshold", "1", "--app-health-probe-timeout", "2000"]);

        await Eventually(() => To(app, "/ticks").Count >= 1, satcar, "a delivery while healthy");

        Volatile.Write(ref healthy, false);
        await Eventually(() => satcar.Output.Contains("The app is unhealthy", StringComparison.Ordinal), satcar, "the app marked unhealthy");
        var probesBefore = To(app, "/healthz").Count;
        await Eventually(() => To(app, "/healthz").Count >= probesBefore + 1, satcar, "the next health probe");
        var mark = order.Count;
        await Eventually(() => To(app, "/healthz").Count >= probesBefore + 3, satcar, "two more health probes");
        Assert.DoesNotContain(order.Skip(mark), entry => entry == "POST /ticks");
        Assert.Contains("the app is unhealthy; the event is not delivered", satcar.Output, StringComparison.Ordinal);

        Volatile.Write(ref healthy, true);
        var delivered = To(app, "/ticks").Count;
        await Eventually(() => To(app, "/ticks").Count > delivered, satcar, "deliveries after the app recovered");
    }
}
