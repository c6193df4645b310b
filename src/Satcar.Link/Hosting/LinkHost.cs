using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Satcar.Link.Hosting;

/// <summary>
/// A running link: its own Kestrel server on the app's Dapr port, forwarding to the satcar.
/// <c>satcar link</c> runs one as a process; <see cref="SatcarLinkServiceCollectionExtensions.AddSatcarLink"/>
/// runs one inside a .NET app.
/// </summary>
public sealed class LinkHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LinkHost(WebApplication app, Uri address, Uri? grpcAddress)
    {
        _app = app;
        Address = address;
        GrpcAddress = grpcAddress;
    }

    /// <summary>Where the link takes HTTP, with the port resolved when 0 was asked for.</summary>
    public Uri Address { get; }

    /// <summary>Where the link takes gRPC (HTTP/2 without TLS), or null when gRPC is off.</summary>
    public Uri? GrpcAddress { get; }

    /// <summary>Validates the options and starts listening; throws <see cref="ArgumentException"/> listing every problem.</summary>
    public static async Task<LinkHost> StartAsync(SatcarLinkOptions options, Action<ILoggingBuilder>? configureLogging = null, CancellationToken cancellationToken = default)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }

        int? grpcPort = options.GrpcPort is { } requested ? PortFor(options.ListenAddress, requested) : null;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "satcar-link" });
        builder.Logging.ClearProviders();
        configureLogging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The satcar enforces the body limit; the link only streams.
            kestrel.Limits.MaxRequestBodySize = null;
            Listen(kestrel, options.ListenAddress, options.HttpPort, HttpProtocols.Http1);
            if (grpcPort is { } port)
            {
                // gRPC clients speak HTTP/2 without TLS to a local sidecar; Kestrel serves that only on an HTTP/2-only endpoint.
                Listen(kestrel, options.ListenAddress, port, HttpProtocols.Http2);
            }
        });
        if (options.InlineScheduling)
        {
            builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton<LinkForwarder>();

        var app = builder.Build();
        var forwarder = app.Services.GetRequiredService<LinkForwarder>();
        app.Run(context => context.Connection.LocalPort == grpcPort ? forwarder.HandleGrpcAsync(context) : forwarder.HandleAsync(context));
        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        return new LinkHost(app, addresses.First(a => a.Port != grpcPort), addresses.FirstOrDefault(a => a.Port == grpcPort));
    }

    private static void Listen(KestrelServerOptions kestrel, string address, int port, HttpProtocols protocols)
    {
        if (address == "localhost")
        {
            kestrel.ListenLocalhost(port, listen => listen.Protocols = protocols);
        }
        else
        {
            kestrel.Listen(IPAddress.Parse(address.Trim('[', ']')), port, listen => listen.Protocols = protocols);
        }
    }

    /// <summary>A free port for 0, so that the two listeners are told apart by port from the first request.</summary>
    private static int PortFor(string address, int port)
    {
        if (port != 0)
        {
            return port;
        }

        var ip = address == "localhost" ? IPAddress.Loopback : IPAddress.Parse(address.Trim('[', ']'));
        using var listener = new System.Net.Sockets.TcpListener(ip, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
