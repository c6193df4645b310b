using Satcar.Testing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Satcar.IntegrationTests.Deploy;

/// <summary>
/// deploy/docker/compose.yaml, which no test can run (there is no Docker engine here), held to the CLI
/// and to itself: the satcar and link commands parse as the executable parses them, every link sits in
/// its app's network namespace on the ports the app is told, and each app, link and satcar agree with
/// one another. The resources it mounts are checked with <c>satcar validate</c>.
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly string DockerFolder = Path.Combine(RepositoryPaths.Root, "deploy", "docker");

    private static readonly Lazy<ComposeFile> Compose = new(() => ComposeFile.Load(Path.Combine(DockerFolder, "compose.yaml")));

    [Fact]
    public async Task Satcar_and_link_commands_use_only_listed_flags_and_parse()
    {
        var services = Compose.Value.Services.Where(s => s.Verb is "run" or "link").ToList();
        Assert.Equal(2, services.Count(s => s.Verb == "run"));
        Assert.Equal(2, services.Count(s => s.Verb == "link"));
        foreach (var service in services)
        {
            var listed = await SatcarFlags.ListedAsync(service.Verb!);
            var unknown = SatcarFlags.In(service.Command).Where(flag => !listed.Contains(flag)).ToList();
            Assert.True(unknown.Count == 0, $"{service.Name}: satcar {service.Verb} --help does not list {string.Join(", ", unknown)}");
            Assert.Empty(SatcarFlags.ParseErrors(service.Command));
        }
    }

    [Fact]
    public void Satcar_and_link_services_run_the_satcar_image()
    {
        var dockerfile = File.ReadAllText(Path.Combine(DockerFolder, "Dockerfile"));
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"/app/satcar.dll\"]", dockerfile, StringComparison.Ordinal);
        foreach (var service in Compose.Value.Services.Where(s => s.Verb is "run" or "link"))
        {
            Assert.Equal("deploy/docker/Dockerfile", service.Dockerfile);
        }
    }

    [Fact]
    public void Every_link_shares_its_apps_network_namespace_and_serves_the_ports_the_app_is_told()
    {
        foreach (var link in Compose.Value.Services.Where(s => s.Verb == "link"))
        {
            var app = Compose.Value.AppOf(link);
            Assert.Equal(link.Value("--dapr-http-port"), app.Environment.GetValueOrDefault("DAPR_HTTP_PORT"));
            Assert.Equal(link.Value("--dapr-grpc-port"), app.Environment.GetValueOrDefault("DAPR_GRPC_PORT"));
            // The link listens on the app's loopback (its default); the app reaches it as localhost.
            Assert.Null(link.Value("--listen-address"));
            Assert.False(app.Environment.ContainsKey("DAPR_HTTP_ENDPOINT"), $"{app.Name} must find its link on localhost");
            Assert.Empty(link.Ports);
        }
    }

    [Fact]
    public void App_link_and_satcar_agree()
    {
        var compose = Compose.Value;
        foreach (var link in compose.Services.Where(s => s.Verb == "link"))
        {
            var app = compose.AppOf(link);
            var satcarUrl = new Uri(link.Value("--satcar-url")!);
            var satcar = compose.Service(satcarUrl.Host);
            Assert.Equal("run", satcar.Verb);

            // The link calls the satcar's API port; the satcar calls this app and serves its app id.
            Assert.Equal(satcar.Value("--dapr-http-port"), satcarUrl.Port.ToString());
            Assert.Equal(app.Name, new Uri(satcar.Value("--app-url")!).Host);
            Assert.Equal(app.Environment.GetValueOrDefault("APP_ID"), satcar.Value("--app-id"));
            Assert.Contains(link.DependsOn, d => d == satcar.Name);

            // The link adds the satcar's token; the app never holds it.
            Assert.NotNull(satcar.Environment.GetValueOrDefault("DAPR_API_TOKEN"));
            Assert.Equal(satcar.Environment["DAPR_API_TOKEN"], link.Environment.GetValueOrDefault("DAPR_API_TOKEN"));
            Assert.False(app.Environment.ContainsKey("DAPR_API_TOKEN"), $"{app.Name} must not hold its satcar's token");
        }
    }

    [Fact]
    public void Satcars_can_find_and_call_each_other()
    {
        var satcars = Compose.Value.Services.Where(s => s.Verb == "run").ToList();
        foreach (var satcar in satcars)
        {
            // Peers reach a satcar on the name it registers and a fixed peer port.
            Assert.Equal(satcar.Name, satcar.Value("--host-address"));
            Assert.NotNull(satcar.Value("--dapr-internal-grpc-port"));
            Assert.Contains("./resources/components:/components:ro", satcar.Volumes);
            Assert.Contains("./resources/config:/config:ro", satcar.Volumes);
            Assert.Equal("/components", satcar.Value("--resources-path"));
            Assert.Equal("/config/config.yaml", satcar.Value("--config"));
        }

        // One peer secret, and one name-resolution folder (SATCAR_HOME of the image) for all of them.
        Assert.Single(satcars.Select(s => s.Environment.GetValueOrDefault("SATCAR_PEER_SECRET")).Distinct());
        Assert.NotNull(satcars[0].Environment.GetValueOrDefault("SATCAR_PEER_SECRET"));
        Assert.All(satcars, s => Assert.Contains("satcar-home:/var/lib/satcar", s.Volumes));
        Assert.Contains("SATCAR_HOME=/var/lib/satcar", File.ReadAllText(Path.Combine(DockerFolder, "Dockerfile")), StringComparison.Ordinal);
        Assert.Contains("satcar-home", Compose.Value.Volumes);
    }

    [Theory]
    [InlineData("orderpublisher")]
    [InlineData("orderstore")]
    public async Task The_mounted_resources_are_valid(string appId)
    {
        var resources = Path.Combine(DockerFolder, "resources");
        var (exitCode, output) = await SatcarProcess.RunToExitAsync(
            ["validate", "--resources-path", Path.Combine(resources, "components"), "--config", Path.Combine(resources, "config", "config.yaml"), "--app-id", appId],
            new Dictionary<string, string?> { ["SATCAR_HOME"] = "/var/lib/satcar", ["REDIS_ADDRESS"] = "redis:6379" });
        Assert.True(exitCode == 0, output);
    }

    /// <summary>The parts of a compose file these tests look at, with YAML merge keys applied.</summary>
    private sealed class ComposeFile
    {
        private ComposeFile(IReadOnlyList<ComposeService> services, IReadOnlyList<string> volumes)
        {
            Services = services;
            Volumes = volumes;
        }

        public IReadOnlyList<ComposeService> Services { get; }

        public IReadOnlyList<string> Volumes { get; }

        public static ComposeFile Load(string path)
        {
            var stream = new YamlStream();
            using (var reader = new StringReader(File.ReadAllText(path)))
            {
                stream.Load(new MergingParser(new Parser(reader)));
            }

            var root = (YamlMappingNode)stream.Documents.Single().RootNode;
            var services = ((YamlMappingNode)root["services"]).Children
                .Select(s => ComposeService.From(((YamlScalarNode)s.Key).Value!, (YamlMappingNode)s.Value))
                .ToList();
            var volumes = root.Children.TryGetValue(new YamlScalarNode("volumes"), out var v)
                ? ((YamlMappingNode)v).Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToList()
                : [];
            return new ComposeFile(services, volumes);
        }

        public ComposeService Service(string name) =>
            Services.SingleOrDefault(s => s.Name == name) ?? throw new Xunit.Sdk.XunitException($"no service '{name}' in compose.yaml");

        /// <summary>The service whose network namespace a link shares.</summary>
        public ComposeService AppOf(ComposeService link)
        {
            Assert.NotNull(link.NetworkMode);
            Assert.StartsWith("service:", link.NetworkMode, StringComparison.Ordinal);
            var app = Service(link.NetworkMode["service:".Length..]);
            Assert.Null(app.Verb);
            return app;
        }
    }

    private sealed record ComposeService(
        string Name,
        IReadOnlyList<string> Command,
        IReadOnlyDictionary<string, string> Environment,
        IReadOnlyList<string> Volumes,
        IReadOnlyList<string> Ports,
        IReadOnlyList<string> DependsOn,
        string? NetworkMode,
        string? Dockerfile)
    {
        /// <summary><c>run</c> or <c>link</c> for a service of the satcar image, else null.</summary>
        public string? Verb => Command.Count > 0 && Command[0] is "run" or "link" ? Command[0] : null;

        /// <summary>The value after <paramref name="flag"/> in the command, or null when the flag is absent.</summary>
        public string? Value(string flag)
        {
            var i = Command.ToList().IndexOf(flag);
            return i >= 0 && i + 1 < Command.Count ? Command[i + 1] : null;
        }

        public static ComposeService From(string name, YamlMappingNode node)
        {
            var command = Get(node, "command") switch
            {
                YamlSequenceNode list => list.Children.Select(Scalar).ToList(),
                null => [],
                var other => throw new Xunit.Sdk.XunitException($"{name}: command must be a list (no shell), got {other.NodeType}"),
            };
            var environment = Get(node, "environment") switch
            {
                YamlMappingNode map => map.Children.ToDictionary(e => Scalar(e.Key), e => Scalar(e.Value), StringComparer.Ordinal),
                null => new Dictionary<string, string>(StringComparer.Ordinal),
                var other => throw new Xunit.Sdk.XunitException($"{name}: environment must be a mapping, got {other.NodeType}"),
            };
            var dependsOn = Get(node, "depends_on") switch
            {
                YamlMappingNode map => map.Children.Keys.Select(Scalar).ToList(),
                YamlSequenceNode list => list.Children.Select(Scalar).ToList(),
                _ => [],
            };
            return new ComposeService(
                name,
                command,
                environment,
                List(node, "volumes"),
                List(node, "ports"),
                dependsOn,
                Get(node, "network_mode") is { } mode ? Scalar(mode) : null,
                Get(node, "build") is YamlMappingNode build && Get(build, "dockerfile") is { } file ? Scalar(file) : null);
        }

        private static YamlNode? Get(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

        private static List<string> List(YamlMappingNode node, string key) =>
            Get(node, key) is YamlSequenceNode list ? [.. list.Children.Select(Scalar)] : [];

        private static string Scalar(YamlNode node) =>
            node is YamlScalarNode { Value: var value } ? value ?? "" : throw new Xunit.Sdk.XunitException($"expected a scalar at {node.Start}");
    }
}
