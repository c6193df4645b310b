using Satcar.Runtime.Components;
using Satcar.Runtime.Secrets;

namespace Satcar.Components.Secrets.LocalFile;

/// <summary><c>secretstores.local.file</c>: a placeholder until the component lands.</summary>
internal sealed class LocalFileSecretStore(ComponentContext context) : ISecretStore
{
    private const string NotBuilt = "secretstores.local.file is not built yet";

    public ComponentContext Context { get; } = context;

    public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken) => throw new ComponentConfigurationException(NotBuilt);

    public Task<IReadOnlyDictionary<string, string>> GetSecretAsync(string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        throw new NotSupportedException(NotBuilt);

    public Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetBulkSecretAsync(IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        throw new NotSupportedException(NotBuilt);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
