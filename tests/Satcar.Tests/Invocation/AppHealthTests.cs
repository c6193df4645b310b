using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Satcar.Runtime.AppChannel;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Hosting;
using Satcar.Runtime.Invocation;
using Satcar.Runtime.PubSub;
using Satcar.Tests.Bindings;

namespace Satcar.Tests.Invocation;

/// <summary>
/// App health as daprd keeps it (https://docs.dapr.io/operations/resiliency/health-checks/app-health/):
/// unhealthy until a probe passes, the first probe at once, then the threshold rule. The probes go to a
/// scripted callback; the app's port is a listener on loopback so the readiness dial succeeds; the
/// probe interval runs on a fake clock.
/// </summary>
public sealed class AppHealthTests : IAsyncLifetime
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(5);

    private readonly TcpListener _appPort = new(IPAddress.Loopback, 0);
    private readonly ScriptedHealth _probes = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly Channel<bool> _reports = Channel.CreateUnbounded<bool>();
    private SatcarOptions _options = null!;
    private AppChannel _channel = null!;
    private AppReadiness _readiness = null!;
    private AppHealth _health = null!;

    public Task InitializeAsync()
    {
        _appPort.Start();
        return Task.CompletedTask;
    }

    private async Task StartAsync(bool enabled = true, int threshold = 3)
    {
        _options = new SatcarOptions
        {
            AppId = "orders",
            AppUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)_appPort.LocalEndpoint).Port}"),
            AppHealthCheck = enabled,
            AppHealthProbeInterval = s_interval,
            AppHealthThreshold = threshold,
        };
        _channel = new AppChannel(_options);
        _readiness = new AppReadiness(_channel, NullLogger<AppReadiness>.Instance, TimeProvider.System);
        _health = new AppHealth(_channel, _probes, _readiness, _options, NullLogger<AppHealth>.Instance, _time);
        _health.Subscribe((healthy, _, cancellationToken) => _reports.Writer.WriteAsync(healthy, cancellationToken).AsTask());
        await _readiness.StartAsync(CancellationToken.None);
        await _health.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_health is not null)
        {
            await _health.StopAsync(CancellationToken.None);
            await _readiness.StopAsync(CancellationToken.None);
            _health.Dispose();
            _readiness.Dispose();
            _channel.Dispose();
        }

        _appPort.Dispose();
    }

    /// <summary>The health reported after the next probe.</summary>
    private async Task<bool> NextReportAsync() => await _reports.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>Moves the clock one interval, answers the probe it triggers with <paramref name="passes"/>, and returns the health reported.</summary>
    private async Task<bool> ProbeAsync(bool passes)
    {
        _probes.Passes = passes;
        await _time.WaitForTimerAsync();
        _time.Advance(s_interval);
        return await NextReportAsync();
    }

    private async Task InvokeOwnAppAsync()
    {
        // A call to its own app id is refused before either forwarder is used.
        var invocation = new InvocationService(null!, null!, _health, _options);
        await invocation.InvokeAsync(new DefaultHttpContext(), InvocationTarget.Parse("orders"), "/neworder", removeAuthorization: false);
    }

    [Fact]
    public async Task An_app_down_at_start_is_unhealthy_and_invocations_fail_fast_with_daprds_error()
    {
        _probes.Passes = false;
        await StartAsync(threshold: 3);

        Assert.False(_health.IsHealthy);
        Assert.False(await NextReportAsync());
        Assert.False(_health.IsHealthy);
        Assert.False(await ProbeAsync(passes: false));
        Assert.False(_health.IsHealthy);

        var error = (await Assert.ThrowsAsync<ApiException>(InvokeOwnAppAsync)).Error;
        Assert.Equal(("ERR_DIRECT_INVOKE", 500), (error.Code, error.HttpStatus));
        Assert.Equal("failed to invoke, id: orders, err: app is not in a healthy state", error.Message);
    }

    [Fact]
    public async Task The_first_probe_runs_at_once_and_a_pass_makes_the_app_healthy()
    {
        _probes.Passes = true;
        await StartAsync();

        Assert.True(await NextReportAsync());
        Assert.True(_health.IsHealthy);
        Assert.Equal(1, _probes.Count);
    }

    [Fact]
    public async Task An_app_that_comes_up_late_becomes_healthy_on_its_first_passing_probe()
    {
        _probes.Passes = false;
        await StartAsync(threshold: 3);
        Assert.False(await NextReportAsync());
        Assert.False(await ProbeAsync(passes: false));

        Assert.True(await ProbeAsync(passes: true));
        Assert.True(_health.IsHealthy);
    }

    [Fact]
    public async Task Once_healthy_the_threshold_of_failures_in_a_row_makes_it_unhealthy_and_one_pass_healthy()
    {
        _probes.Passes = true;
        await StartAsync(threshold: 3);
        Assert.True(await NextReportAsync());

        Assert.True(await ProbeAsync(passes: false));
        Assert.True(await ProbeAsync(passes: false));
        Assert.True(await ProbeAsync(passes: true));
        Assert.True(await ProbeAsync(passes: false));
        Assert.True(await ProbeAsync(passes: false));
        Assert.False(await ProbeAsync(passes: false));
        Assert.False(_health.IsHealthy);
        await Assert.ThrowsAsync<ApiException>(InvokeOwnAppAsync);

        Assert.True(await ProbeAsync(passes: true));
        Assert.True(_health.IsHealthy);
    }

    [Fact]
    public async Task Without_health_checks_the_app_is_healthy_and_never_probed()
    {
        await StartAsync(enabled: false);

        Assert.True(_health.IsHealthy);
        Assert.False(_health.Enabled);
        await Task.Delay(100);
        Assert.Equal(0, _probes.Count);
    }

    private sealed class ScriptedHealth : IAppCallback
    {
        private int _count;
        private volatile bool _passes;

        public bool Passes
        {
            get => _passes;
            set => _passes = value;
        }

        public int Count => Volatile.Read(ref _count);

        public Task<(bool Healthy, string Output)> HealthCheckAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return Task.FromResult(_passes ? (true, "200 OK") : (false, "connection refused"));
        }

        public Task<AppSubscriptions> ListTopicSubscriptionsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<TopicEventResult> OnTopicEventAsync(
            SubscriptionSpec spec, string path, byte[] body, JsonElement cloudEvent, PubSubDelivery delivery, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<BindingSubscription> IsSubscribedToBindingAsync(string name, string route, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<string?> OnBindingEventAsync(string name, string route, BindingEvent bindingEvent, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
