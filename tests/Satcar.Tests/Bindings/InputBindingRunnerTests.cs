using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Satcar.Runtime.AppChannel;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Components;
using Satcar.Runtime.Hosting;
using Satcar.Testing;

namespace Satcar.Tests.Bindings;

/// <summary>
/// The input-binding runner in-process against a fake app: the OPTIONS probe, delivery, hot reload
/// through <see cref="ComponentStore.Changed"/>, app health and shutdown.
/// </summary>
public sealed class InputBindingRunnerTests : IAsyncLifetime
{
    private const string AppToken = "app-token";

    private readonly ComponentStore _store = new();
    private readonly RecordingLogger<InputBindingRunner> _log = new();
    private readonly Dictionary<string, int> _optionsStatus = new(StringComparer.Ordinal);
    private volatile bool _appHealthy = true;
    private FakeApp _app = null!;
    private AppChannel _channel = null!;
    private AppReadiness _readiness = null!;
    private AppHealth _health = null!;
    private InputBindingRunner _runner = null!;

    public async Task InitializeAsync()
    {
        _app = await FakeApp.StartAsync(handler: (context, _) =>
        {
            var path = context.Request.Path.Value ?? "";
            if (path == "/base/healthz")
            {
                context.Response.StatusCode = _appHealthy ? 200 : 500;
                return Task.FromResult(true);
            }

            if (context.Request.Method == "POST" && path == "/base/refuse")
            {
                context.Response.StatusCode = 503;
                return Task.FromResult(true);
            }

            if (context.Request.Method == "OPTIONS" && _optionsStatus.TryGetValue(path, out var status))
            {
                context.Response.StatusCode = status;
                return Task.FromResult(true);
            }

            return Task.FromResult(false);
        });
    }

    private async Task StartRunnerAsync(bool healthChecks = false)
    {
        var options = new SatcarOptions
        {
            AppId = "app",
            AppUrl = new Uri(_app.BaseUri, "/base"),
            AppApiToken = AppToken,
            AppHealthCheck = healthChecks,
            AppHealthProbeInterval = TimeSpan.FromMilliseconds(100),
            AppHealthThreshold = 1,
        };
        _channel = new AppChannel(options);
        _readiness = new AppReadiness(_channel, NullLogger<AppReadiness>.Instance, TimeProvider.System);
        var callback = new HttpAppCallback(_channel, options, NullLogger<HttpAppCallback>.Instance);
        _health = new AppHealth(_channel, callback, _readiness, options, NullLogger<AppHealth>.Instance, TimeProvider.System);
        _runner = new InputBindingRunner(_store, _channel, callback, _readiness, _health, _log, TimeProvider.System);
        await _readiness.StartAsync(CancellationToken.None);
        await _health.StartAsync(CancellationToken.None);
        await _runner.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_runner is not null)
        {
            await _runner.StopAsync(CancellationToken.None);
            await _health.StopAsync(CancellationToken.None);
            await _readiness.StopAsync(CancellationToken.None);
            _runner.Dispose();
            _health.Dispose();
            _readiness.Dispose();
            _channel.Dispose();
        }

        await _app.DisposeAsync();
    }

    private static async Task<T> Within<T>(Task<T> task) => await task.WaitAsync(TimeSpan.FromSeconds(10));

    private static async Task Within(Task task) => await task.WaitAsync(TimeSpan.FromSeconds(10));

    private IReadOnlyList<RecordedRequest> To(string path) => [.. _app.Requests.Where(r => r.Path == path)];

    [Fact]
    public async Task Events_are_posted_to_the_route_after_an_options_probe()
    {
        var binding = new ManualInputBinding();
        _store.Set(TestComponents.Loaded("orders", "bindings.test", binding, ("route", "/incoming")));
        await StartRunnerAsync();

        Assert.True(await binding.EmitAsync("""{"id":1}""", ("source", "queue"), ("Content-Type", "text/plain"), ("dapr-api-token", "spoofed")));
        var requests = To("/base/incoming");
        Assert.Equal(["OPTIONS", "POST"], requests.Select(r => r.Method));
        Assert.Equal(AppToken, Assert.Single(requests[0].Header("dapr-api-token")));
        var post = requests[1];
        Assert.Equal("""{"id":1}""", Encoding.UTF8.GetString(post.Body));
        Assert.Equal("application/json", Assert.Single(post.Header("Content-Type")));
        Assert.Equal("queue", Assert.Single(post.Header("source")));
        Assert.Equal(AppToken, Assert.Single(post.Header("dapr-api-token")));
    }

    [Fact]
    public async Task The_route_defaults_to_the_binding_name_and_405_also_subscribes()
    {
        _optionsStatus["/base/orders"] = 405;
        var binding = new ManualInputBinding();
        _store.Set(TestComponents.Loaded("orders", "bindings.test", binding));
        await StartRunnerAsync();
        Assert.True(await binding.EmitAsync(""));
        Assert.Single(To("/base/orders"), r => r.Method == "POST");
    }

    [Fact]
    public async Task A_404_probe_means_not_subscribed_and_direction_input_skips_the_probe()
    {
        _optionsStatus["/base/ignored"] = 404;
        _optionsStatus["/base/explicit"] = 404;
        var ignored = new ManualInputBinding();
        var explicitInput = new ManualInputBinding();
        var outputOnly = new ManualInputBinding();
        _store.Set(TestComponents.Loaded("ignored", "bindings.test", ignored));
        _store.Set(TestComponents.Loaded("explicit", "bindings.test", explicitInput, ("direction", "input")));
        _store.Set(TestComponents.Loaded("output-only", "bindings.test", outputOnly, ("direction", "output")));
        await StartRunnerAsync();

        Assert.True(await explicitInput.EmitAsync("x"));
        Assert.DoesNotContain(To("/base/explicit"), r => r.Method == "OPTIONS");

        await _log.WaitForAsync(1851);
        Assert.Single(To("/base/ignored"), r => r.Method == "OPTIONS");
        Assert.False(ignored.Started.IsCompleted);
        Assert.False(outputOnly.Started.IsCompleted);
        Assert.Empty(To("/base/output-only"));
    }

    [Fact]
    public async Task An_app_that_refuses_an_event_gets_false_back()
    {
        var binding = new ManualInputBinding();
        _store.Set(TestComponents.Loaded("refused", "bindings.test", binding, ("direction", "input"), ("route", "refuse")));
        await StartRunnerAsync();
        Assert.False(await binding.EmitAsync("x"));
        Assert.Single(To("/base/refuse"));
    }

    [Fact]
    public async Task Hot_reload_stops_the_old_reader_and_starts_the_new_one()
    {
        var first = new ManualInputBinding();
        _store.Set(TestComponents.Loaded("orders", "bindings.test", first, ("direction", "input")));
        await StartRunnerAsync();
        await Within(first.Started);

        var second = new ManualInputBinding();
        _store.Set(TestComponents.Loaded("orders", "bindings.test", second, ("direction", "input"), ("route", "v2")));
        await Within(first.Stopped);
        Assert.True(await second.EmitAsync("two"));
        Assert.Single(To("/base/v2"));

        var added = new ManualInputBinding();
        _store.Set(TestComponents.Loaded("added", "bindings.test", added, ("direction", "input")));
        Assert.True(await added.EmitAsync("added"));

        _store.Remove("orders");
        await Within(second.Stopped);
        Assert.False(added.Stopped.IsCompleted);
    }

    [Fact]
    public async Task Stopping_the_runner_stops_every_reader()
    {
        var one = new ManualInputBinding();
        var two = new ManualInputBinding();
        _store.Set(TestComponents.Loaded("one", "bindings.test", one, ("direction", "input")));
        _store.Set(TestComponents.Loaded("two", "bindings.test", two, ("direction", "input")));
        await StartRunnerAsync();
        await Within(one.Started);
        await Within(two.Started);

        await _runner.StopAsync(CancellationToken.None);
        await Within(one.Stopped);
        await Within(two.Stopped);
    }

    [Fact]
    public async Task Nothing_is_delivered_while_the_app_is_unhealthy()
    {
        var binding = new ManualInputBinding();
        _store.Set(TestComponents.Loaded("orders", "bindings.test", binding, ("direction", "input")));
        await StartRunnerAsync(healthChecks: true);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!_health.IsHealthy && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(await binding.EmitAsync("before"));

        _appHealthy = false;
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (_health.IsHealthy && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.False(_health.IsHealthy);
        Assert.False(await binding.EmitAsync("during"));
        Assert.Single(To("/base/orders"));

        _appHealthy = true;
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (!_health.IsHealthy && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(await binding.EmitAsync("after"));
        Assert.Equal(["before", "after"], To("/base/orders").Select(r => Encoding.UTF8.GetString(r.Body)));
    }

    [Fact]
    public async Task Without_an_app_no_binding_is_read()
    {
        var binding = new ManualInputBinding();
        _store.Set(TestComponents.Loaded("orders", "bindings.test", binding));
        var options = new SatcarOptions { AppId = "app" };
        using var channel = new AppChannel(options);
        using var readiness = new AppReadiness(channel, NullLogger<AppReadiness>.Instance, TimeProvider.System);
        var callback = new HttpAppCallback(channel, options, NullLogger<HttpAppCallback>.Instance);
        using var health = new AppHealth(channel, callback, readiness, options, NullLogger<AppHealth>.Instance, TimeProvider.System);
        var log = new RecordingLogger<InputBindingRunner>();
        using var runner = new InputBindingRunner(_store, channel, callback, readiness, health, log, TimeProvider.System);
        await runner.StartAsync(CancellationToken.None);
        await log.WaitForAsync(1858);
        await runner.StopAsync(CancellationToken.None);
        Assert.False(binding.Started.IsCompleted);
    }
}
