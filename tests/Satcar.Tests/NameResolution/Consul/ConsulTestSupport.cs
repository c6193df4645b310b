using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Satcar.Components.NameResolution.Consul;
using Satcar.Runtime.NameResolution;
using Satcar.Testing;
using Satcar.Testing.Consul;

namespace Satcar.Tests.NameResolution.Consul;

/// <summary>Builds resolvers against a double, with short delays and no process environment.</summary>
internal static class ConsulTestSupport
{
    /// <summary>The resolver's timings, shortened so retries and watches turn over quickly in tests.</summary>
    public static readonly ConsulTimings FastTimings = new()
    {
        InitialRegistrationWait = TimeSpan.FromSeconds(10),
        RegistrationBackoffInitial = TimeSpan.FromMilliseconds(50),
        RegistrationBackoffMax = TimeSpan.FromMilliseconds(200),
        RequestTimeout = TimeSpan.FromSeconds(5),
        DeregisterTimeout = TimeSpan.FromSeconds(2),
        DefaultWatchWait = TimeSpan.FromSeconds(2),
        WatchBackoffInitial = TimeSpan.FromMilliseconds(50),
        WatchBackoffMax = TimeSpan.FromMilliseconds(200),
        MinQueryInterval = TimeSpan.FromMilliseconds(10),
        PollIntervalWithoutIndex = TimeSpan.FromMilliseconds(100),
    };

    public static ConsulNameResolver Resolver(ConsulTimings? timings = null, IReadOnlyDictionary<string, string>? environment = null) =>
        new(timings ?? FastTimings, name => environment is not null && environment.TryGetValue(name, out var value) ? value : null);

    public static NameResolutionContext Context(
        JsonObject configuration,
        ILogger? logger = null,
        string appId = "orders",
        string hostAddress = "10.1.2.3",
        int peerPort = 50002,
        int daprHttpPort = 3500,
        int? appPort = 8080,
        bool appHealth = false,
        TimeSpan? probeInterval = null) => new()
        {
            AppId = appId,
            HostAddress = hostAddress,
            PeerPort = peerPort,
            DaprHttpPort = daprHttpPort,
            AppPort = appPort,
            AppHealthCheckEnabled = appHealth,
            AppHealthProbeInterval = probeInterval ?? TimeSpan.FromSeconds(5),
            Configuration = configuration,
            HomeDirectory = Path.GetTempPath(),
            Logger = logger ?? new CollectingLogger(),
        };

    /// <summary>A configuration pointing at <paramref name="consul"/>, merged with <paramref name="extra"/> (a JSON object literal).</summary>
    public static JsonObject Config(ConsulDouble consul, string extra = "{}")
    {
        var configuration = JsonNode.Parse(extra)!.AsObject();
        if (configuration["client"] is not JsonObject client)
        {
            client = [];
            configuration["client"] = client;
        }

        client["address"] ??= consul.Address;
        return configuration;
    }

    /// <summary>Registers an instance of <paramref name="appId"/> straight into the double, as another satcar would.</summary>
    public static void AddInstance(
        ConsulDouble consul, string appId, string id, string address, int daprPort, string? checkStatus = ConsulHealth.Passing,
        string? node = null, string metaKey = "DAPR_PORT", IEnumerable<string>? tags = null)
    {
        var registration = new JsonObject
        {
            ["ID"] = id,
            ["Name"] = appId,
            ["Address"] = address,
            ["Port"] = 8080,
            ["Meta"] = new JsonObject { [metaKey] = daprPort.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        if (tags is not null)
        {
            registration["Tags"] = new JsonArray([.. tags.Select(t => (JsonNode?)JsonValue.Create(t))]);
        }

        if (checkStatus is not null)
        {
            registration["Checks"] = new JsonArray(new JsonObject
            {
                ["CheckID"] = $"check:{id}",
                ["TTL"] = "10m",
                ["Status"] = checkStatus,
            });
        }

        consul.RegisterOnNode(node ?? consul.NodeName, registration);
    }

    /// <summary>Resolves, sorted by host then port, as "host:port" strings.</summary>
    public static async Task<string[]> ResolveTextAsync(INameResolver resolver, string appId) =>
        [.. (await resolver.ResolveAsync(appId, "", CancellationToken.None)).Select(e => e.Authority).Order(StringComparer.Ordinal)];
}

/// <summary>Polls a condition until it holds or a deadline passes; the deadline is generous and never the assertion.</summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(15);

    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? deadline = null) =>
        await TrueAsync(() => Task.FromResult(condition()), what, deadline);

    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? DefaultDeadline);
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"Timed out waiting until {what}");
            }

            await Task.Delay(25);
        }
    }
}

/// <summary>An <see cref="ILogger"/> that keeps every entry, for asserting on warnings.</summary>
internal sealed class CollectingLogger : ILogger
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public IEnumerable<LogEntry> At(LogLevel level) => Entries.Where(e => e.Level == level);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue(new LogEntry(logLevel, eventId.Id, formatter(state, exception)));
}

internal sealed record LogEntry(LogLevel Level, int EventId, string Message);

/// <summary>A FakeApp that answers <c>/v1.0/healthz</c> as a satcar with <paramref name="appId"/> does: 204, or 500 for another <c>?appid=</c>.</summary>
internal static class FakeSatcarHealth
{
    public static Task<FakeApp> StartAsync(string appId, Func<int>? status = null) =>
        FakeApp.StartAsync(handler: async (context, _) =>
        {
            if (context.Request.Path != "/v1.0/healthz")
            {
                return false;
            }

            var asked = context.Request.Query["appid"].ToString();
            context.Response.StatusCode = status?.Invoke() ?? (asked.Length == 0 || asked == appId ? 204 : 500);
            await Task.CompletedTask;
            return true;
        });
}
