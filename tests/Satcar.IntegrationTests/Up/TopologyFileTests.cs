using Satcar.Testing;
using Satcar.Up.Supervision;
using Satcar.Up.Topology;

namespace Satcar.IntegrationTests.Up;

/// <summary>The topology file: validation before anything starts, variables, defaults, and what each process is given.</summary>
public sealed class TopologyFileTests : IDisposable
{
    private static readonly Func<string, string?> NoVariables = _ => null;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_topology_with_bad_fields_names_every_one_and_starts_nothing()
    {
        var file = _dir.Write("satcar.yaml", """
            version: 1
            apps:
              - appID: orders
                comand: ["dotnet", "orders.dll"]
                satcar:
                  httpPort: 3500x
              - appID: orders
                appPort: 5000
                link:
                  port: 5000
            """);
        await using var up = UpProcess.Start(file, new Dictionary<string, string?>());

        Assert.Equal(1, await up.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("satcar.yaml:4: apps[0].comand: unknown key; did you mean 'command'?", up.Output, StringComparison.Ordinal);
        Assert.Contains("satcar.yaml:6: apps[0].satcar.httpPort: must be a port number (1-65535); got '3500x'", up.Output, StringComparison.Ordinal);
        Assert.Contains("satcar.yaml:7: apps[1].appID: 'orders' is also the appID of apps[0]", up.Output, StringComparison.Ordinal);
        Assert.Contains("satcar.yaml:10: apps[1].link.port: port 5000 on 127.0.0.1 is also used by apps[1].appPort", up.Output, StringComparison.Ordinal);
        Assert.Contains("4 problem(s) in the topology file; nothing was started.", up.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(up.PidFile));
    }

    [Fact]
    public async Task A_missing_file_is_named()
    {
        await using var up = UpProcess.Start(Path.Combine(_dir.Path, "nothing-here"), new Dictionary<string, string?>());
        Assert.Equal(1, await up.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("nothing-here: file: does not exist", up.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--for 5 minutes", "--for")]
    [InlineData("--bogus", "--bogus")]
    public async Task A_bad_flag_is_a_usage_error(string flags, string named)
    {
        var (exitCode, output) = await SatcarProcess.RunToExitAsync(["up", _dir.Path, .. flags.Split(' ', 2)]);
        Assert.Equal(2, exitCode);
        Assert.Contains(named, output, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_sample_topologies_are_valid_as_shipped()
    {
        foreach (var file in new[] { HelloSatcarSample.SqliteTopology, HelloSatcarSample.RedisConsulTopology })
        {
            var (topology, problems) = TopologyReader.Read(file, NoVariables);
            Assert.True(topology is not null, string.Join('\n', problems));
            Assert.Equal(["orderpublisher", "orderstore"], topology.Apps.Select(a => a.AppId));
        }
    }

    [Fact]
    public void Variables_expand_with_their_defaults_and_an_unset_one_without_default_is_named()
    {
        var file = _dir.Write("satcar.yaml", """
            apps:
              - appID: a
                appPort: ${A_PORT:-5000}
                env:
                  PRICE: "$$5"
                  GREETING: hello ${WHO}
                satcar:
                  httpPort: ${A_SATCAR_PORT}
            """);
        var (topology, _) = TopologyReader.Read(file, name => name switch
        {
            "WHO" => "world",
            "A_SATCAR_PORT" => "3600",
            _ => null,
        });
        var app = Assert.Single(topology!.Apps);
        Assert.Equal(5000, app.AppPort);
        Assert.Equal(3600, app.Satcar.HttpPort);
        Assert.Equal("$5", app.Env["PRICE"]);
        Assert.Equal("hello world", app.Env["GREETING"]);

        var (none, problems) = TopologyReader.Read(file, NoVariables);
        Assert.Null(none);
        Assert.Equal(
            [(6, "apps[0].env.GREETING", "environment variable WHO is not set (give a default with ${WHO:-value})"),
             (8, "apps[0].satcar.httpPort", "environment variable A_SATCAR_PORT is not set (give a default with ${A_SATCAR_PORT:-value})")],
            problems.Select(p => (p.Line ?? 0, p.Field, p.Message)));
    }

    [Fact]
    public void Paths_are_relative_to_the_file_and_a_folder_means_its_satcar_yaml()
    {
        _dir.Write("app/run.sh", "#!/bin/sh\n");
        _dir.Write("resources/store.yaml", "");
        _dir.Write("satcar.yaml", """
            common:
              resourcesPath: resources
            apps:
              - appID: a
                appDirPath: app
                command: ["./run.sh", "--fast"]
            """);
        var (topology, problems) = TopologyReader.Read(TopologyReader.ResolveFile(_dir.Path), NoVariables);
        Assert.Empty(problems);
        var app = Assert.Single(topology!.Apps);
        Assert.Equal(Path.Combine(_dir.Path, "app"), app.AppDirPath);
        Assert.Equal([Path.Combine(_dir.Path, "app", "run.sh"), "--fast"], app.Command);
        Assert.Equal([Path.Combine(_dir.Path, "resources")], app.ResourcesPaths);
        Assert.NotNull(app.Link);
        Assert.Equal("127.0.0.1", app.Satcar.Address);
    }

    [Fact]
    public void The_sample_gives_each_app_its_link_and_each_satcar_the_run_secret_and_its_own_token()
    {
        var (topology, _) = TopologyReader.Read(HelloSatcarSample.SqliteTopology, NoVariables);
        var plan = LaunchPlan.Create(topology!, _dir.Path);

        Assert.Equal([ProcessRole.Satcar, ProcessRole.Link, ProcessRole.App], plan.Stages.Select(s => s[0].Role));
        Assert.Equal(["orderpublisher/build", "orderstore/build"], plan.Builds.Select(b => b.Name));
        var processes = plan.Stages.SelectMany(s => s).ToDictionary(p => p.Name);

        var store = processes["orderstore"].Environment;
        Assert.Equal("orderstore", store["APP_ID"]);
        Assert.Equal("5102", store["APP_PORT"]);
        Assert.Equal("3502", store["DAPR_HTTP_PORT"]);
        Assert.Equal("http://localhost:3502", store["DAPR_HTTP_ENDPOINT"]);
        Assert.Equal("http://127.0.0.1:5102", store["ASPNETCORE_URLS"]);
        Assert.Null(store["DAPR_API_TOKEN"]);
        Assert.Null(store["SATCAR_PEER_SECRET"]);

        var satcar1 = processes["orderpublisher/satcar"];
        var satcar2 = processes["orderstore/satcar"];
        Assert.Equal(satcar1.Environment["SATCAR_PEER_SECRET"], satcar2.Environment["SATCAR_PEER_SECRET"]);
        Assert.True(satcar1.Environment["SATCAR_PEER_SECRET"]!.Length >= 16);
        Assert.Equal(_dir.Path, satcar2.Environment["SATCAR_HOME"]);
        Assert.NotEqual(satcar1.Environment["DAPR_API_TOKEN"], satcar2.Environment["DAPR_API_TOKEN"]);
        Assert.Equal(satcar2.Environment["DAPR_API_TOKEN"], processes["orderstore/link"].Environment["DAPR_API_TOKEN"]);

        var args = string.Join(' ', satcar2.Arguments);
        Assert.Contains("run --app-id orderstore --dapr-http-port 3500 --dapr-listen-addresses 127.0.0.3 --dapr-internal-grpc-port 50002", args, StringComparison.Ordinal);
        Assert.Contains("--host-address 127.0.0.3", args, StringComparison.Ordinal);
        Assert.Contains("--app-port 5102 --app-channel-address 127.0.0.1", args, StringComparison.Ordinal);
        var linkArgs = string.Join(' ', processes["orderstore/link"].Arguments);
        Assert.Contains("link --satcar-url http://127.0.0.3:3500 --dapr-http-port 3502 --dapr-grpc-port ", linkArgs, StringComparison.Ordinal);
        Assert.Contains("--listen-address 127.0.0.1", linkArgs, StringComparison.Ordinal);
        var link = processes["orderstore/link"].Arguments.ToList();
        Assert.Equal(store["DAPR_GRPC_PORT"], link[link.IndexOf("--dapr-grpc-port") + 1]);
    }

    [Theory]
    [InlineData("grpc", "--app-protocol grpc", "http://127.0.0.1:6001", "Http2")]
    [InlineData("grpcs", "--app-protocol grpcs", "https://127.0.0.1:6001", null)]
    [InlineData("https", "--app-protocol https", "https://127.0.0.1:6001", null)]
    public void A_grpc_app_gets_its_protocol_and_an_h2c_listener(string protocol, string flag, string urls, string? kestrelProtocols)
    {
        var file = _dir.Write("satcar.yaml", $"""
            apps:
              - appID: orders
                appPort: 6001
                appProtocol: {protocol}
                command: ["./orders"]
            """);
        var (topology, problems) = TopologyReader.Read(file, NoVariables);
        Assert.True(topology is not null, string.Join('\n', problems));
        var processes = LaunchPlan.Create(topology, _dir.Path).Stages.SelectMany(s => s).ToDictionary(p => p.Name);

        Assert.Contains(flag, string.Join(' ', processes["orders/satcar"].Arguments), StringComparison.Ordinal);
        var environment = processes["orders"].Environment;
        Assert.Equal(urls, environment["ASPNETCORE_URLS"]);
        Assert.Equal(kestrelProtocols, environment.GetValueOrDefault("Kestrel__EndpointDefaults__Protocols"));
    }

    [Fact]
    public void An_unknown_app_protocol_is_named_with_the_ones_there_are()
    {
        var file = _dir.Write("satcar.yaml", """
            apps:
              - appID: orders
                appProtocol: h2c
            """);
        var (topology, problems) = TopologyReader.Read(file, NoVariables);
        Assert.Null(topology);
        Assert.Contains(problems, p => p.ToString().Contains("apps[0].appProtocol: must be http, https, grpc or grpcs; got 'h2c'", StringComparison.Ordinal));
    }
}
