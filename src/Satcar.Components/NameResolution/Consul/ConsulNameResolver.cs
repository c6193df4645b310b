using Satcar.Runtime.NameResolution;

namespace Satcar.Components.NameResolution.Consul;

/// <summary><c>nameresolution.consul</c>: placeholder until the Consul resolver lands.</summary>
internal sealed class ConsulNameResolver : INameResolver
{
    public Task InitAsync(NameResolutionContext context, CancellationToken cancellationToken) =>
        throw new NameResolutionConfigurationException("nameresolution.consul is not built yet");

    public Task<IReadOnlyList<PeerEndpoint>> ResolveAsync(string appId, string @namespace, CancellationToken cancellationToken) =>
        throw new NameResolutionException("nameresolution.consul is not built yet");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
