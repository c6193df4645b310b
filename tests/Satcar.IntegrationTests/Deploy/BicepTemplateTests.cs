using System.Text.Json;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Deploy;

/// <summary>
/// deploy/azure, which no test deploys: it compiles and lints without a diagnostic, its example parameter
/// file compiles, and the satcar container it describes runs the image's satcar with flags and ports that
/// the CLI and the Dockerfile agree with.
/// </summary>
public sealed class BicepTemplateTests
{
    private static readonly string AzureFolder = Path.Combine(RepositoryPaths.Root, "deploy", "azure");

    // main.bicepparam reads the secrets from the environment at compile time; these stand in for them.
    private static readonly Dictionary<string, string> Secrets = new(StringComparer.Ordinal)
    {
        ["SATCAR_PEER_SECRET"] = "peer-secret-of-the-bicep-tests",
        ["ORDERPUBLISHER_API_TOKEN"] = "orderpublisher-token-of-the-tests",
        ["ORDERSTORE_API_TOKEN"] = "orderstore-token-of-the-tests",
    };

    private static readonly Lazy<Task<(int ExitCode, string StdOut, string StdErr)>> MainBuild =
        new(() => BicepCli.RunAsync(AzureFolder, ["build", "main.bicep", "--stdout"]));

    [BicepFact]
    public async Task The_main_template_builds_without_a_diagnostic()
    {
        var (exitCode, stdout, stderr) = await MainBuild.Value;
        Assert.True(exitCode == 0 && stderr.Trim().Length == 0, $"bicep build exited with {exitCode}:\n{stderr}");
        using var template = JsonDocument.Parse(stdout);
        var resources = Resources(template.RootElement).Select(r => r.Name).ToList();
        Assert.Contains("network", resources);
        Assert.Contains("satcars", resources);
        Assert.Contains("appSites", resources);
    }

    [BicepFact]
    public async Task Every_template_lints_without_a_diagnostic()
    {
        Assert.True(Directory.GetFiles(AzureFolder, "*.bicep", SearchOption.AllDirectories).Length >= 7, "main.bicep and its modules");
        var (exitCode, stdout, stderr) = await BicepCli.RunAsync(AzureFolder, ["lint", "--pattern", "**/*.bicep"]);
        var output = (stdout + stderr).Trim();
        Assert.True(exitCode == 0 && output.Length == 0, $"bicep lint exited with {exitCode}:\n{output}");
    }

    [BicepFact]
    public async Task The_example_parameter_file_builds_and_gives_every_app_a_token()
    {
        var (exitCode, stdout, stderr) = await BicepCli.RunAsync(AzureFolder, ["build-params", "main.bicepparam", "--stdout"], Secrets);
        Assert.True(exitCode == 0 && stderr.Trim().Length == 0, $"bicep build-params exited with {exitCode}:\n{stderr}");

        using var output = JsonDocument.Parse(stdout);
        using var parameters = JsonDocument.Parse(output.RootElement.GetProperty("parametersJson").GetString()!);
        var values = parameters.RootElement.GetProperty("parameters");
        var appIds = values.GetProperty("apps").GetProperty("value").EnumerateArray().Select(a => a.GetProperty("appId").GetString()).ToList();
        Assert.Equal(["orderpublisher", "orderstore"], appIds);
        var tokens = values.GetProperty("daprApiTokens").GetProperty("value");
        Assert.All(appIds, id => Assert.True(tokens.TryGetProperty(id!, out _), $"daprApiTokens has no token for {id}"));
        Assert.Equal(Secrets["SATCAR_PEER_SECRET"], values.GetProperty("satcarPeerSecret").GetProperty("value").GetString());
    }

    [BicepFact]
    public async Task The_satcar_container_runs_the_images_satcar_with_flags_and_ports_that_agree()
    {
        var (exitCode, stdout, stderr) = await MainBuild.Value;
        Assert.True(exitCode == 0, stderr);
        using var template = JsonDocument.Parse(stdout);
        var satcarModule = Resources(template.RootElement).Single(r => r.Name == "satcars").Value.GetProperty("properties").GetProperty("template");
        var variables = satcarModule.GetProperty("variables");
        var group = Resources(satcarModule).Single(r => r.Value.GetProperty("type").GetString() == "Microsoft.ContainerInstance/containerGroups").Value;
        var container = group.GetProperty("properties").GetProperty("containers")[0].GetProperty("properties");

        // The command replaces the image's entry point, so it must start as that entry point does.
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"/app/satcar.dll\"]", File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "docker", "Dockerfile")), StringComparison.Ordinal);
        Assert.StartsWith("[concat(createArray('dotnet', '/app/satcar.dll'), variables('runFlags')", container.GetProperty("command").GetString(), StringComparison.Ordinal);

        var command = Strings(variables.GetProperty("runFlags")).Concat(Strings(variables.GetProperty("peerTlsFlags")))
            .Select(item => Evaluate(item, variables)).ToList();
        Assert.Equal("run", command[0]);
        var listed = await SatcarFlags.ListedAsync("run");
        var unknown = SatcarFlags.In(command).Where(flag => !listed.Contains(flag)).ToList();
        Assert.True(unknown.Count == 0, $"satcar run --help does not list {string.Join(", ", unknown)}");
        Assert.Empty(SatcarFlags.ParseErrors(command));

        // The group opens the API and peer ports the command asks for; the gRPC port stays inside.
        string? Flag(string name) => command[command.IndexOf(name) + 1];
        var opened = group.GetProperty("properties").GetProperty("ipAddress").GetProperty("ports").EnumerateArray()
            .Select(p => Evaluate(p.GetProperty("port").ToString(), variables)).Order().ToList();
        Assert.Equal(new[] { Flag("--dapr-http-port"), Flag("--dapr-internal-grpc-port") }.Order(), opened);
        Assert.Equal("/components", Flag("--resources-path"));
        Assert.Equal("/config/config.yaml", Flag("--config"));
        var exposed = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "deploy", "docker", "Dockerfile")).Single(l => l.StartsWith("EXPOSE ", StringComparison.Ordinal));
        Assert.All(new[] { Flag("--dapr-http-port"), Flag("--dapr-grpc-port"), Flag("--dapr-internal-grpc-port") }, port => Assert.Contains(port!, exposed.Split(' ')));

        // The apps' links call the satcar's API port.
        var satcarUrl = Resources(template.RootElement).Single(r => r.Name == "appSites").Value
            .GetProperty("properties").GetProperty("parameters").GetProperty("satcarUrl").GetProperty("value").GetString();
        Assert.Contains($":{Flag("--dapr-http-port")}'", satcarUrl, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("orderpublisher")]
    [InlineData("orderstore")]
    public async Task The_resources_for_the_file_shares_are_valid(string appId)
    {
        // The shares are mounted at /components and /config; the satcar reads /config/config.yaml.
        var resources = Path.Combine(AzureFolder, "resources");
        var config = Path.Combine(resources, "config", "config.yaml");
        Assert.True(File.Exists(config), "resources/config/config.yaml is uploaded to the config share");
        var (exitCode, output) = await SatcarProcess.RunToExitAsync(
            ["validate", "--resources-path", Path.Combine(resources, "components"), "--config", config, "--app-id", appId],
            new Dictionary<string, string?>
            {
                ["CONSUL_HOST"] = "consul.satcar.internal",
                ["CONSUL_PORT"] = "8500",
                ["REDIS_ADDRESS"] = "example.redis.cache.windows.net:6380",
                ["REDIS_PASSWORD"] = "not-a-key",
            });
        Assert.True(exitCode == 0, output);
    }

    /// <summary>A template's resources by symbolic name (language version 2.0) or by name.</summary>
    private static IEnumerable<(string Name, JsonElement Value)> Resources(JsonElement template)
    {
        var resources = template.GetProperty("resources");
        return resources.ValueKind == JsonValueKind.Object
            ? resources.EnumerateObject().Select(p => (p.Name, p.Value))
            : resources.EnumerateArray().Select(r => (r.GetProperty("name").GetString()!, r));
    }

    private static IEnumerable<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!);

    /// <summary>
    /// The value an item of the satcar command has for the demo's orderstore: literals as they are,
    /// the module's port variables by their value, its parameters by a plausible value.
    /// </summary>
    private static string Evaluate(string item, JsonElement variables)
    {
        var samples = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["[parameters('appId')]"] = "orderstore",
            ["[parameters('appUrl')]"] = "https://orderstore-abc123.azurewebsites.net",
            ["[parameters('appHealthPath')]"] = "/healthz",
            ["[variables('hostAddress')]"] = "orderstore.satcar.internal",
        };
        if (!item.StartsWith('['))
        {
            return item;
        }

        if (samples.TryGetValue(item, out var sample))
        {
            return sample;
        }

        foreach (var form in new[] { "[string(variables('{0}'))]", "[variables('{0}')]" })
        {
            foreach (var variable in variables.EnumerateObject().Where(v => v.Value.ValueKind == JsonValueKind.Number))
            {
                if (item == string.Format(System.Globalization.CultureInfo.InvariantCulture, form, variable.Name))
                {
                    return variable.Value.ToString();
                }
            }
        }

        throw new Xunit.Sdk.XunitException($"the satcar command has an item this test cannot evaluate: {item}");
    }
}
