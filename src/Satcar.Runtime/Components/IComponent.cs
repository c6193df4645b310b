namespace Satcar.Runtime.Components;

/// <summary>
/// What every component is: initialised once with its resolved metadata, disposed when the satcar
/// stops or the resource is removed. Building blocks extend it (<c>IStateStore</c>, …).
/// </summary>
public interface IComponent : IAsyncDisposable
{
    /// <summary>Reads and validates the metadata, then connects; throws <see cref="ComponentConfigurationException"/> on bad metadata.</summary>
    Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken);
}
