using System.Collections.Concurrent;
using System.Net;
using Dapr;
using Dapr.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Satcar.Testing;

namespace Satcar.IntegrationTests.Grpc;

/// <summary>
/// An unmodified Dapr.AspNetCore subscriber (<c>UseCloudEvents</c>, <c>MapSubscribeHandler</c>, a
/// minimal-API <c>WithTopic</c> route and an MVC <c>[Topic]</c> action) behind satcar2 receives what
/// another app publishes with Dapr.Client (over gRPC) through satcar1, with Redis as the broker.
/// </summary>
public sealed class DaprAspNetCoreSubscriberTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly List<IAsyncDisposable> _owned = [];
    private RedisServer _redis = null!;
    private WebApplication _subscriber = null!;
    private SatcarProcess _satcar1 = null!;

    public sealed record Order(int OrderId, string Item);

    /// <summary>What the subscriber's handlers received, by route.</summary>
    public static ConcurrentQueue<(string Route, Order Order)> Received { get; } = new();

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _dir.Write("resources/pubsub.yaml", $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: pubsub.redis
              version: v1
              metadata:
              - name: redisHost
                value: {_redis.HostPort}
            """);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse("127.0.0.3"), 0));
        builder.Services.AddControllers().AddDapr().AddApplicationPart(typeof(OrdersController).Assembly);
        _subscriber = builder.Build();
        _subscriber.UseCloudEvents();
        _subscriber.MapSubscribeHandler();
        _subscriber.MapControllers();
        _subscriber.MapPost("/minimal-orders", (Order order) =>
        {
            Received.Enqueue(("minimal", order));
            return Results.Ok();
        }).WithTopic("pubsub", "minimal-orders");
        await _subscriber.StartAsync();
        var appUrl = _subscriber.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        var resources = Path.Combine(_dir.Path, "resources");
        _owned.Add(await SatcarProcess.RunAsync(
            ["--app-id", "subscriber", "--app-url", appUrl, "--resources-path", resources], host: "127.0.0.4", waitForApp: true));
        _satcar1 = await SatcarProcess.RunAsync(["--app-id", "publisher", "--resources-path", resources], host: "127.0.0.2");
        _owned.Add(_satcar1);
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        if (_subscriber is not null)
        {
            await _subscriber.DisposeAsync();
        }

        await _redis.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Topic_routes_of_a_dapr_aspnetcore_app_receive_events_published_through_another_satcar()
    {
        using var publisher = new DaprClientBuilder().UseHttpEndpoint(_satcar1.BaseUri.ToString()).UseGrpcEndpoint(_satcar1.GrpcUri.ToString()).Build();
        var id = Random.Shared.Next();
        await publisher.PublishEventAsync("pubsub", "mvc-orders", new Order(id, "mvc"));
        await publisher.PublishEventAsync("pubsub", "minimal-orders", new Order(id, "minimal"));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(Received.Contains(("mvc", new Order(id, "mvc"))) && Received.Contains(("minimal", new Order(id, "minimal")))))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the subscriber got only: {string.Join(", ", Received)}");
            await Task.Delay(100);
        }
    }
}

/// <summary>An MVC subscriber as Dapr's samples write it.</summary>
[ApiController]
public sealed class OrdersController : ControllerBase
{
    [Topic("pubsub", "mvc-orders")]
    [HttpPost("/mvc-orders")]
    public IActionResult Receive(DaprAspNetCoreSubscriberTests.Order order)
    {
        DaprAspNetCoreSubscriberTests.Received.Enqueue(("mvc", order));
        return Ok();
    }
}
