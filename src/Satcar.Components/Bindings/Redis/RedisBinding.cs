using Satcar.Runtime.Components;
using Satcar.Runtime.Bindings;

namespace Satcar.Components.Bindings.Redis;

/// <summary><c>bindings.redis</c>: a placeholder until the component lands.</summary>
internal sealed class RedisBinding(ComponentContext context) : IOutputBinding
{
    private const string NotBuilt = "bindings.redis is not built yet";

    public ComponentContext Context { get; } = context;

    public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken) => throw new ComponentConfigurationException(NotBuilt);

    public IReadOnlyList<string> Operations => [];

    public Task<BindingResponse?> InvokeAsync(BindingRequest request, CancellationToken cancellationToken) => throw new NotSupportedException(NotBuilt);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
