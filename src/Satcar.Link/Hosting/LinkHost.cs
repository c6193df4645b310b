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

    private LinkHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where the link listens, with the port resolved when 0 was asked for.</summary>
    public Uri Address { get; }

    /// <summary>Validates the options and starts listening; throws <see cref="ArgumentException"/> listing every problem.</summary>
    public static async Task<LinkHost> StartAsync(SatcarLinkOptions options, Action<ILoggingBuilder>? configureLogging = null, CancellationToken cancellationToken = default)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "satcar-link" });
        builder.Logging.ClearProviders();
        configureLogging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The satcar enforces the body limit; the link only streams.
            kestrel.Limits.MaxRequestBodySize = null;
            Action<ListenOptions> http1 = listen => listen.Protocols = HttpProtocols.Http1;
            if (options.ListenAddress == "localhost")
            {
                kestrel.ListenLocalhost(options.HttpPort, http1);
            }
            else
            {
                kestrel.Listen(IPAddress.Parse(options.ListenAddress.Trim('[', ']')), options.HttpPort, http1);
            }
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton<LinkForwarder>();

        var app = builder.Build();
        app.Run(app.Services.GetRequiredService<LinkForwarder>().HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LinkHost(app, new Uri(address));
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
