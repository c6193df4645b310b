using System.Diagnostics;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Up;

/// <summary>
/// The tests that run satcar up with real processes: one at a time, as each starts several satcars and
/// apps and the machine may be small. They share one build of the sample apps.
/// </summary>
[CollectionDefinition(Name)]
public sealed class UpCollection : ICollectionFixture<HelloSatcarSample>
{
    public const string Name = "satcar up";
}

/// <summary>
/// samples/hello-satcar: its topology files and its two apps, built once in Release (a no-op after
/// <c>./test.sh</c>, which builds the whole solution) so the runs can use <c>--no-build</c>.
/// </summary>
public sealed class HelloSatcarSample : IAsyncLifetime
{
    public static string Folder => Path.Combine(RepositoryPaths.Root, "samples", "hello-satcar");

    public static string SqliteTopology => Path.Combine(Folder, "satcar.yaml");

    public static string RedisConsulTopology => Path.Combine(Folder, "satcar.redis-consul.yaml");

    public static string OrderStoreFolder => Path.Combine(Folder, "OrderStore");

    public static string OrderStoreDll => Path.Combine(OrderStoreFolder, "bin", "Release", "net10.0", "OrderStore.dll");

    /// <summary>Free ports for every port variable of the sample's topology files, on the addresses they bind.</summary>
    public static Dictionary<string, string?> FreePorts() => new()
    {
        ["ORDERPUBLISHER_PORT"] = Ports.Free("127.0.0.1").ToString(),
        ["ORDERPUBLISHER_DAPR_PORT"] = Ports.Free("127.0.0.1").ToString(),
        ["ORDERPUBLISHER_SATCAR_PORT"] = Ports.Free("127.0.0.2").ToString(),
        ["ORDERPUBLISHER_PEER_PORT"] = Ports.Free("127.0.0.2").ToString(),
        ["ORDERSTORE_PORT"] = Ports.Free("127.0.0.1").ToString(),
        ["ORDERSTORE_DAPR_PORT"] = Ports.Free("127.0.0.1").ToString(),
        ["ORDERSTORE_SATCAR_PORT"] = Ports.Free("127.0.0.3").ToString(),
        ["ORDERSTORE_PEER_PORT"] = Ports.Free("127.0.0.3").ToString(),
    };

    public async Task InitializeAsync()
    {
        foreach (var app in new[] { "OrderPublisher", "OrderStore" })
        {
            var info = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = Path.Combine(Folder, app),
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in new[] { "build", "-c", "Release", "--nologo", "-v", "quiet" })
            {
                info.ArgumentList.Add(arg);
            }

            // No build servers left behind by the test either.
            info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
            info.Environment["UseSharedCompilation"] = "false";
            using var build = Process.Start(info)!;
            var output = build.StandardOutput.ReadToEndAsync();
            var error = build.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await build.WaitForExitAsync(timeout.Token);
            if (build.ExitCode != 0)
            {
                throw new InvalidOperationException($"building samples/hello-satcar/{app} failed:\n{await output}{await error}");
            }
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
