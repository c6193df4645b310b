using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Satcar.Link;
using Satcar.Link.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Hosting a satcar link inside a .NET app.</summary>
public static class SatcarLinkServiceCollectionExtensions
{
    /// <summary>
    /// Runs a satcar link inside this process: the app talks to <c>localhost:3500</c> as it would to a
    /// sidecar, and the link carries that to the app's satcar. Useful where an app cannot have a
    /// second process beside it, such as an App Service app.
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Sets <see cref="SatcarLinkOptions.SatcarUrl"/> and the rest; the API token defaults to <c>DAPR_API_TOKEN</c>.</param>
    /// <returns>The same services, for chaining.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddSatcarLink(link => link.SatcarUrl = new Uri("https://satcar1.example.net:3500"));
    /// </code>
    /// </example>
    public static IServiceCollection AddSatcarLink(this IServiceCollection services, Action<SatcarLinkOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SatcarLinkOptions { ApiToken = Environment.GetEnvironmentVariable("DAPR_API_TOKEN") };
        configure(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(configure));
        }

        services.AddHostedService(provider => new LinkService(options, provider.GetService<ILoggerFactory>()));
        return services;
    }

    /// <summary>Starts the link with the app and stops it with the app.</summary>
    private sealed class LinkService(SatcarLinkOptions options, ILoggerFactory? loggerFactory) : IHostedService
    {
        private LinkHost? _link;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            _link = await LinkHost.StartAsync(options, logging =>
            {
                if (loggerFactory is not null)
                {
                    logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));
                }
            }, cancellationToken);
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (_link is not null)
            {
                await _link.StopAsync(cancellationToken);
                await _link.DisposeAsync();
            }
        }
    }

    /// <summary>Writes the link's logs to the app's own logging.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory factory) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => factory.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
