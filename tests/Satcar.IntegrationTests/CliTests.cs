using System.Net;
using System.Text;
using System.Text.Json;
using Satcar.Testing;

namespace Satcar.IntegrationTests;

/// <summary>The <c>satcar</c> executable itself: flags, start failures, validate, and how it stops.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string MemoryStore(string name = "statestore") => _dir.Write($"resources/{name}.yaml", TestComponents.InMemoryState(name));

    private string Resources => Path.Combine(_dir.Path, "resources");

    [Theory]
    [InlineData("--bogus", "--bogus")]
    [InlineData("--app-port abc", "--app-port")]
    [InlineData("--dapr-http-port 3500x", "--dapr-http-port")]
    [InlineData("--log-level loud", "--log-level")]
    [InlineData("--max-body-size huge", "--max-body-size")]
    [InlineData("--app-url not/a/url", "--app-url")]
    [InlineData("--dapr-graceful-shutdown-seconds soon", "--dapr-graceful-shutdown-seconds")]
    [InlineData("--dapr-http-max-request-size big", "--dapr-http-max-request-size")]
    public async Task A_bad_flag_stops_the_start_and_is_named(string flags, string named)
    {
        var (exitCode, output) = await SatcarProcess.RunToExitAsync(["run", "--app-id", "a", .. flags.Split(' ')]);
        Assert.Equal(2, exitCode);
        Assert.Contains(named, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_options_are_reported_together()
    {
        var (exitCode, output) = await SatcarProcess.RunToExitAsync(["run", "--app-port", "0", "--app-protocol", "smoke"]);
        Assert.Equal(1, exitCode);
        Assert.Contains("--app-id is required", output, StringComparison.Ordinal);
        Assert.Contains("--app-port", output, StringComparison.Ordinal);
        Assert.Contains("--app-protocol", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_resources_stop_the_start_with_every_problem()
    {
        _dir.Write("resources/a.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: one
            spec:
              type: state.cassandra
            """);
        _dir.Write("resources/b.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: two
            """);
        var (exitCode, output) = await SatcarProcess.RunToExitAsync(["run", "--app-id", "a", "--dapr-http-port", Ports.Free().ToString(), "--resources-path", Resources]);
        Assert.Equal(1, exitCode);
        Assert.Contains("a.yaml:6: spec.type: unknown component type 'state.cassandra'", output, StringComparison.Ordinal);
        Assert.Contains("b.yaml", output, StringComparison.Ordinal);
        Assert.Contains("spec: is required", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_component_that_cannot_init_stops_the_start_and_is_named()
    {
        _dir.Write("resources/redis.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: unreachable
            spec:
              type: state.redis
              version: v1
              initTimeout: 2s
              metadata:
              - name: redisHost
                value: 127.0.0.1:{Ports.Free()}
              - name: dialTimeout
                value: 500ms
            """);
        var (exitCode, output) = await SatcarProcess.RunToExitAsync(["run", "--app-id", "a", "--dapr-http-port", Ports.Free().ToString(), "--resources-path", Resources]);
        Assert.Equal(1, exitCode);
        Assert.Contains("component unreachable (state.redis/v1)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_component_with_ignore_errors_is_skipped_and_the_satcar_runs()
    {
        MemoryStore();
        _dir.Write("resources/redis.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: optional
            spec:
              type: state.redis
              version: v1
              ignoreErrors: true
              metadata:
              - name: redisHost
                value: 127.0.0.1:{Ports.Free()}
              - name: dialTimeout
                value: 300ms
            """);
        await using var satcar = await SatcarProcess.RunAsync(["--app-id", "a", "--resources-path", Resources]);
        using var client = new HttpClient { BaseAddress = satcar.BaseUri };
        var metadata = await client.GetStringAsync("/v1.0/metadata");
        Assert.Contains("statestore", metadata, StringComparison.Ordinal);
        Assert.DoesNotContain("optional", metadata, StringComparison.Ordinal);
        Assert.Contains("ignoreErrors", satcar.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_reports_every_problem_with_file_line_and_field()
    {
        _dir.Write("resources/a.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: dup
            spec:
              type: state.in-memory
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: dup
            spec:
              type: pubsub.carrier-pigeon
            """);
        var config = _dir.Write("config.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: cfg
            spec:
              nameResolution:
                configuration:
                  selfRegister: true
            """);
        var (exitCode, output) = await SatcarProcess.RunToExitAsync(["validate", "--resources-path", Resources, "--config", config]);
        Assert.Equal(1, exitCode);
        Assert.Contains("a.yaml:13: spec.type: unknown component type 'pubsub.carrier-pigeon'", output, StringComparison.Ordinal);
        Assert.Contains("config.yaml:7: spec.nameResolution.component: is required", output, StringComparison.Ordinal);
        Assert.Contains("problem(s) found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_reports_the_name_resolvers_own_fields()
    {
        MemoryStore();
        var consul = _dir.Write("consul.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: cfg
            spec:
              nameResolution:
                component: consul
                configuration:
                  client:
                    address: 127.0.0.1:8500
                    scheme: ftp
            """);
        var (exitCode, output) = await SatcarProcess.RunToExitAsync(["validate", "--resources-path", Resources, "--config", consul]);
        Assert.Equal(1, exitCode);
        Assert.Contains("consul.yaml:9: spec.nameResolution.configuration:", output, StringComparison.Ordinal);
        Assert.Contains("scheme: must be http or https, got 'ftp'", output, StringComparison.Ordinal);

        var sqlite = _dir.Write("sqlite.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: cfg
            spec:
              nameResolution:
                component: sqlite
                configuration:
                  updateInterval: 500ms
                  timeout: 0s
            """);
        (exitCode, output) = await SatcarProcess.RunToExitAsync(["validate", "--resources-path", Resources, "--config", sqlite]);
        Assert.Equal(1, exitCode);
        Assert.Contains("updateInterval: must be at least 1s", output, StringComparison.Ordinal);
        Assert.Contains("timeout: must be positive and shorter than updateInterval", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_accepts_good_resources_and_the_seed_configuration()
    {
        MemoryStore();
        var seed = Path.Combine(RepositoryPaths.Root, "tests", "Satcar.Tests", "Resources", "Seed", "config.yaml.tpl");
        var (exitCode, output) = await SatcarProcess.RunToExitAsync(
            ["validate", "--resources-path", Resources, "--config", seed, "--app-id", "orderstore"],
            new Dictionary<string, string?> { ["CONSUL_HOST"] = "127.0.0.1", ["CONSUL_PORT"] = "8500" });
        Assert.True(exitCode == 0, output);
        Assert.Contains("valid: 1 component(s), configuration 'appconfig'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Single_dash_flags_and_comma_lists_work_as_in_daprd()
    {
        MemoryStore("one");
        var second = Path.Combine(_dir.Path, "more");
        Directory.CreateDirectory(second);
        File.WriteAllText(Path.Combine(second, "two.yaml"), File.ReadAllText(Path.Combine(Resources, "one.yaml")).Replace("name: one", "name: two", StringComparison.Ordinal));
        var port = Ports.Free();
        await using var satcar = SatcarProcess.Start(["run", "-app-id", "dash", "-dapr-http-port", port.ToString(), "-dapr-listen-addresses", "127.0.0.1", "-resources-path", $"{Resources},{second}"]);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var metadata = await Eventually(() => client.GetStringAsync("/v1.0/metadata"), satcar);
        using var document = JsonDocument.Parse(metadata);
        Assert.Equal("dash", document.RootElement.GetProperty("id").GetString());
        Assert.Equal(2, document.RootElement.GetProperty("components").GetArrayLength());
    }

    [Fact]
    public async Task Daprds_older_flag_names_take_effect_and_logs_can_be_json()
    {
        MemoryStore();
        var port = Ports.Free();
        await using var satcar = SatcarProcess.Start(
            ["run", "--app-id", "old", "--dapr-http-port", port.ToString(), "--dapr-listen-addresses", "127.0.0.1",
                "--components-path", Resources, "--dapr-http-max-request-size", "1", "--log-as-json"]);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var metadata = await Eventually(() => client.GetStringAsync("/v1.0/metadata"), satcar);
        Assert.Contains("\"name\":\"statestore\"", metadata, StringComparison.Ordinal);

        // --dapr-http-max-request-size is in MB: 1 MB passes, a byte more does not.
        static StringContent Items(int valueLength) =>
            new($$"""[{"key":"k","value":"{{new string('x', valueLength)}}"}]""", Encoding.UTF8, "application/json");
        const int Framing = 24; // the bytes of the JSON around the value
        using (var fits = await client.PostAsync("/v1.0/state/statestore", Items((1024 * 1024) - Framing)))
        {
            Assert.Equal(HttpStatusCode.NoContent, fits.StatusCode);
        }

        using (var over = await client.PostAsync("/v1.0/state/statestore", Items((1024 * 1024) - Framing + 1)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
            Assert.Contains("ERR_BODY_READ", await over.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Every line the satcar wrote is one JSON object.
        var lines = satcar.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(line).RootElement.ValueKind));
    }

    [Fact]
    public async Task The_http_port_comes_from_dapr_http_port_when_no_flag_is_given()
    {
        var port = Ports.Free();
        await using var satcar = SatcarProcess.Start(["run", "--app-id", "env", "--dapr-listen-addresses", "127.0.0.1"],
            new Dictionary<string, string?> { ["DAPR_HTTP_PORT"] = port.ToString() });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var metadata = await Eventually(() => client.GetStringAsync("/v1.0/metadata"), satcar);
        Assert.Contains("\"id\":\"env\"", metadata, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_state_store_the_state_api_says_it_is_not_configured()
    {
        await using var satcar = await SatcarProcess.RunAsync(["--app-id", "bare"]);
        using var client = new HttpClient { BaseAddress = satcar.BaseUri };
        using var response = await client.GetAsync("/v1.0/state/statestore/k");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("ERR_STATE_STORE_NOT_CONFIGURED", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_shutdown_api_answers_then_stops_the_process_cleanly()
    {
        await using var satcar = await SatcarProcess.RunAsync(["--app-id", "stopme"]);
        using var client = new HttpClient { BaseAddress = satcar.BaseUri };
        using var response = await client.PostAsync("/v1.0/shutdown", null);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(0, await satcar.WaitForExitAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task A_forced_shutdown_exits_with_code_1()
    {
        await using var satcar = await SatcarProcess.RunAsync(["--app-id", "force"]);
        using var client = new HttpClient { BaseAddress = satcar.BaseUri };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/shutdown");
        request.Headers.Add("dapr-force-shutdown", "true");
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(request)).StatusCode);
        Assert.Equal(1, await satcar.WaitForExitAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task Sigterm_stops_the_satcar_with_code_0()
    {
        await using var satcar = await SatcarProcess.RunAsync(["--app-id", "term"]);
        Assert.Equal(0, await satcar.TerminateAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task Healthz_waits_for_the_app_while_outbound_does_not()
    {
        var appPort = Ports.Free();
        await using var satcar = await SatcarProcess.RunAsync(["--app-id", "late", "--app-port", appPort.ToString()]);
        using var client = new HttpClient { BaseAddress = satcar.BaseUri };
        using var notReady = await client.GetAsync("/v1.0/healthz");
        Assert.Equal(HttpStatusCode.InternalServerError, notReady.StatusCode);
        Assert.Contains("ERR_HEALTH_NOT_READY", await notReady.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await client.GetAsync("/v1.0/healthz/outbound")).StatusCode);

        using var invoke = await client.GetAsync("/v1.0/invoke/late/method/ping");
        Assert.Equal(HttpStatusCode.InternalServerError, invoke.StatusCode);
        Assert.Contains("ERR_DIRECT_INVOKE", await invoke.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await using var app = await FakeApp.StartAsync(port: appPort);
        var status = await Eventually(async () =>
        {
            using var response = await client.GetAsync("/v1.0/healthz");
            return response.StatusCode == HttpStatusCode.NoContent ? response.StatusCode : throw new HttpRequestException("not yet");
        }, satcar);
        Assert.Equal(HttpStatusCode.NoContent, status);
    }

    [Fact]
    public async Task The_app_url_reaches_an_app_under_a_path_prefix()
    {
        await using var app = await FakeApp.StartAsync();
        await using var satcar = await SatcarProcess.RunAsync(["--app-id", "remote", "--app-url", new Uri(app.BaseUri, "/base").ToString()], waitForApp: true);
        using var client = new HttpClient { BaseAddress = satcar.BaseUri };
        using var response = await client.PostAsync("/v1.0/invoke/remote/method/neworder?x=1", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(app.Requests, r => r.Path == "/base/neworder" && r.Query == "?x=1");
    }

    [Fact]
    public async Task Api_logging_logs_each_call()
    {
        await using var satcar = await SatcarProcess.RunAsync(["--app-id", "logged", "--enable-api-logging"]);
        using var client = new HttpClient { BaseAddress = satcar.BaseUri };
        (await client.GetAsync("/v1.0/metadata")).Dispose();
        await Eventually(() => Task.FromResult(satcar.Output.Contains("HTTP API called: GET /v1.0/metadata -> 200", StringComparison.Ordinal) ? true : throw new InvalidOperationException("not logged yet")), satcar);
    }

    private static async Task<T> Eventually<T>(Func<Task<T>> action, SatcarProcess satcar)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                return await action();
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !satcar.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }
}
