using Satcar.Runtime.Components;
using Satcar.Runtime.Bindings;

namespace Satcar.Components.Bindings.Cron;

/// <summary><c>bindings.cron</c>: a placeholder until the component lands.</summary>
internal sealed class CronBinding(ComponentContext context) : IInputBinding
{
    private const string NotBuilt = "bindings.cron is not built yet";

    public ComponentContext Context { get; } = context;

    public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken) => throw new ComponentConfigurationException(NotBuilt);

    public Task ReadAsync(InputBindingHandler handler, CancellationToken cancellationToken) => throw new NotSupportedException(NotBuilt);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
