using System.Net;
using System.Text;
using Satcar.Testing;

namespace Satcar.IntegrationTests;

/// <summary>Hot reload: resources added, changed, broken and removed while the satcar runs.</summary>
public sealed class HotReloadTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private FakeApp _app = null!;
    private SatcarProcess _satcar = null!;
    private HttpClient _client = null!;

    private string Resources => Path.Combine(_dir.Path, "resources");

    public async Task InitializeAsync()
    {
        _app = await FakeApp.StartAsync();
        _dir.Write("resources/first.yaml", Store("first"));
        _satcar = await SatcarProcess.RunAsync(["--app-id", "reloaded", "--app-port", _app.Port.ToString(), "--resources-path", Resources], waitForApp: true);
        _client = new HttpClient { BaseAddress = _satcar.BaseUri };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _satcar.DisposeAsync();
        await _app.DisposeAsync();
        _dir.Dispose();
    }

    private static string Store(string name, string type = "state.in-memory") => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: {type}
          version: v1
        """;

    private async Task<HttpStatusCode> Save(string store, string key, string value)
    {
        using var response = await _client.PostAsync($"/v1.0/state/{store}", new StringContent($$$"""[{"key":"{{{key}}}","value":"{{{value}}}"}]""", Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    private async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} did not happen within 30 s. Output:\n{_satcar.Output}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_component_added_while_running_becomes_usable_and_a_removed_one_goes_away()
    {
        Assert.Equal(HttpStatusCode.BadRequest, await Save("second", "k", "v"));
        _dir.Write("resources/second.yaml", Store("second", "state.sqlite").Replace("version: v1", $"version: v1\n  metadata:\n  - name: connectionString\n    value: {Path.Combine(_dir.Path, "second.db")}", StringComparison.Ordinal));
        await Eventually(async () => await Save("second", "k", "v") == HttpStatusCode.NoContent, "the new store");
        Assert.Equal("\"v\"", await _client.GetStringAsync("/v1.0/state/second/k"));

        File.Delete(Path.Combine(Resources, "second.yaml"));
        await Eventually(async () => await Save("second", "k", "v") == HttpStatusCode.BadRequest, "the removal");
        Assert.Equal(HttpStatusCode.NoContent, await Save("first", "k", "still here"));
    }

    [Fact]
    public async Task A_broken_edit_leaves_the_old_component_working_until_it_is_fixed()
    {
        Assert.Equal(HttpStatusCode.NoContent, await Save("first", "kept", "before"));
        _dir.Write("resources/first.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: [broken\n");
        await Eventually(() => Task.FromResult(_satcar.Output.Contains("Hot reload", StringComparison.Ordinal) && _satcar.Output.Contains("first.yaml", StringComparison.Ordinal)), "the report");

        // The in-memory store is the same instance: the value written before the broken edit is still there.
        Assert.Equal("\"before\"", await _client.GetStringAsync("/v1.0/state/first/kept"));
        Assert.Equal(HttpStatusCode.NoContent, await Save("first", "k", "during"));

        _dir.Write("resources/first.yaml", Store("first").Replace("first", "renamed", StringComparison.Ordinal));
        await Eventually(async () => await Save("renamed", "k", "v") == HttpStatusCode.NoContent, "the fixed file");
        Assert.Equal(HttpStatusCode.BadRequest, await Save("first", "k", "v"));
    }

    [Fact]
    public async Task An_unreadable_file_is_reported_and_the_rest_still_reloads()
    {
        // A link to nowhere cannot be read: an editor's half-done swap, or a share that went away.
        File.CreateSymbolicLink(Path.Combine(Resources, "dangling.yaml"), Path.Combine(_dir.Path, "nowhere.yaml"));
        _dir.Write("resources/second.yaml", Store("second"));

        await Eventually(async () => await Save("second", "k", "v") == HttpStatusCode.NoContent, "the new store beside the unreadable file");
        Assert.Contains("dangling.yaml: cannot be read", _satcar.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, await Save("first", "k", "still here"));
        Assert.Equal(HttpStatusCode.NoContent, (await _client.GetAsync("/v1.0/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_component_whose_new_version_cannot_init_keeps_the_old_one()
    {
        _dir.Write("resources/first.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: first
            spec:
              type: state.redis
              version: v1
              initTimeout: 1s
              metadata:
              - name: redisHost
                value: 127.0.0.1:{Ports.Free()}
              - name: dialTimeout
                value: 300ms
            """);
        await Eventually(() => Task.FromResult(_satcar.Output.Contains("component first failed to init", StringComparison.Ordinal)
            || _satcar.Output.Contains("Hot reload: component first failed", StringComparison.Ordinal)), "the failed reload");
        Assert.Equal(HttpStatusCode.NoContent, await Save("first", "k", "v"));
    }

    [Fact]
    public async Task A_subscription_added_while_running_starts_delivering()
    {
        _dir.Write("resources/pubsub.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: events
            spec:
              type: pubsub.in-memory
              version: v1
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Subscription
            metadata:
              name: late
            spec:
              pubsubname: events
              topic: late
              route: /late
            """);
        await Eventually(async () =>
        {
            using var response = await _client.PostAsync("/v1.0/publish/events/late", new StringContent("""{"n":1}""", Encoding.UTF8, "application/json"));
            return response.StatusCode == HttpStatusCode.NoContent && _app.CountFor("/late") > 0;
        }, "a delivery on the new subscription");
    }
}
