using Satcar.Runtime.Components;
using Satcar.Runtime.Secrets;

namespace Satcar.Components.Secrets.LocalEnv;

/// <summary><c>secretstores.local.env</c>: a placeholder until the component lands.</summary>
internal sealed class LocalEnvSecretStore(ComponentContext context) : ISecretStore
{
    private const string NotBuilt = "secretstores.local.env is not built yet";

    public ComponentContext Context { get; } = context;

    public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken) => throw new ComponentConfigurationException(NotBuilt);

    public Task<IReadOnlyDictionary<string, string>> GetSecretAsync(string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        throw new NotSupportedException(NotBuilt);

    public Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetBulkSecretAsync(IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        throw new NotSupportedException(NotBuilt);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
