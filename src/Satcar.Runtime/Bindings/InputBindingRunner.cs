using Microsoft.Extensions.Hosting;

namespace Satcar.Runtime.Bindings;

/// <summary>Reads input bindings and delivers their events to the app: placeholder until it lands.</summary>
public sealed class InputBindingRunner : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
}
