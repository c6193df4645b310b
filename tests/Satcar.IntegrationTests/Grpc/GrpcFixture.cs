using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Dapr.Client;
using Microsoft.AspNetCore.Http;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Grpc;

/// <summary>
/// A satcar with every building block the gRPC API serves (state on a real Redis, in-memory pub/sub
/// with a declarative subscription to the app, a local-file secret store, a localstorage binding),
/// an API token, an app that records the events it gets, and a link in front of the satcar that
/// carries gRPC to it as gRPC-Web over HTTP/1.1.
/// </summary>
public sealed class GrpcFixture : IAsyncLifetime
{
    public const string AppId = "grpcapp";
    public const string Token = "grpc-api-token-for-tests";

    private readonly TempDirectory _dir = new();
    private readonly ConcurrentQueue<JsonElement> _events = new();

    public RedisServer Redis { get; private set; } = null!;

    public FakeApp App { get; private set; } = null!;

    public SatcarProcess Satcar { get; private set; } = null!;

    public SatcarProcess Link { get; private set; } = null!;

    /// <summary>The localstorage binding's folder.</summary>
    public string FilesPath => Path.Combine(_dir.Path, "files");

    /// <summary>The CloudEvents the app received on <c>/orders</c>.</summary>
    public IReadOnlyList<JsonElement> Events => [.. _events];

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        App = await FakeApp.StartAsync(handler: async (context, body) =>
        {
            if (context.Request.Path != "/orders")
            {
                return false;
            }

            _events.Enqueue(JsonDocument.Parse(body).RootElement.Clone());
            context.Response.StatusCode = StatusCodes.Status200OK;
            await context.Response.WriteAsync("""{"status":"SUCCESS"}""");
            return true;
        });
        Directory.CreateDirectory(FilesPath);
        _dir.Write("secrets.json", """{"db-password":"s3cr3t","smtp":{"user":"mailer","pass":"p@ss"}}""");
        _dir.Write("resources/components.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: statestore
            spec:
              type: state.redis
              version: v1
              metadata:
              - name: redisHost
                value: {Redis.HostPort}
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: pubsub.in-memory
              version: v1
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: secretstore
            spec:
              type: secretstores.local.file
              version: v1
              metadata:
              - name: secretsFile
                value: {Path.Combine(_dir.Path, "secrets.json")}
              - name: nestedSeparator
                value: ":"
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: files
            spec:
              type: bindings.localstorage
              version: v1
              metadata:
              - name: rootPath
                value: {FilesPath}
            ---
            apiVersion: dapr.io/v2alpha1
            kind: Subscription
            metadata:
              name: orders
            spec:
              pubsubname: pubsub
              topic: orders
              routes:
                default: /orders
            """);
        Satcar = await SatcarProcess.RunAsync(
            ["--app-id", AppId, "--app-port", App.Port.ToString(), "--resources-path", Path.Combine(_dir.Path, "resources"), "--max-body-size", "64Ki"],
            new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = Token });
        Link = await StartLinkAsync(Satcar.BaseUri, Token);
    }

    /// <summary>
    /// A Dapr.Client as an app builds it: <c>direct</c> talks to the satcar's HTTP and gRPC ports with
    /// the token, <c>link</c> talks to the link's two local ports and knows no token.
    /// </summary>
    public DaprClient Client(string via) => via switch
    {
        "direct" => new DaprClientBuilder()
            .UseHttpEndpoint(Satcar.BaseUri.ToString())
            .UseGrpcEndpoint(Satcar.GrpcUri.ToString())
            .UseDaprApiToken(Token)
            .Build(),
        "link" => new DaprClientBuilder()
            .UseHttpEndpoint(Link.BaseUri.ToString())
            .UseGrpcEndpoint(Link.GrpcUri.ToString())
            .Build(),
        _ => throw new ArgumentOutOfRangeException(nameof(via), via, "direct or link"),
    };

    /// <summary>Waits until the app has received an event matching <paramref name="match"/>.</summary>
    public async Task<JsonElement> WaitForEventAsync(Func<JsonElement, bool> match, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            foreach (var cloudEvent in Events)
            {
                if (match(cloudEvent))
                {
                    return cloudEvent;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"{what} was not delivered; the app got: {string.Join(", ", Events)}");
            await Task.Delay(50);
        }
    }

    /// <summary>Starts <c>satcar link</c> to <paramref name="satcar"/>, on a free HTTP port and a free gRPC port.</summary>
    public static async Task<SatcarProcess> StartLinkAsync(Uri satcar, string? token)
    {
        var port = Ports.Free();
        var link = SatcarProcess.Start(
            ["link", "--satcar-url", satcar.ToString(), "--dapr-http-port", port.ToString()],
            new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = token }, port);
        using var probe = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await probe.GetAsync($"http://127.0.0.1:{port}/satcar-link/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return link;
                }
            }
            catch (HttpRequestException) when (!link.HasExited)
            {
            }

            Assert.False(link.HasExited, $"the link exited. Output:\n{link.Output}");
            await Task.Delay(50);
        }

        throw new TimeoutException($"the link did not start. Output:\n{link.Output}");
    }

    public async Task DisposeAsync()
    {
        if (Link is not null)
        {
            await Link.DisposeAsync();
        }

        if (Satcar is not null)
        {
            await Satcar.DisposeAsync();
        }

        if (App is not null)
        {
            await App.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        _dir.Dispose();
    }
}
