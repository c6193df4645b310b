using Satcar.Runtime.Components;

namespace Satcar.Runtime.Secrets;

/// <summary>A secret store (components-contrib's <c>secretstores.SecretStore</c>).</summary>
public interface ISecretStore : IComponent
{
    /// <summary>One secret's values by key; throws <see cref="SecretNotFoundException"/> when the store has no such secret.</summary>
    Task<IReadOnlyDictionary<string, string>> GetSecretAsync(string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);

    /// <summary>Every secret the store holds: name to its values by key.</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetBulkSecretAsync(IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);
}

/// <summary>The store has no secret of that name.</summary>
public sealed class SecretNotFoundException(string name) : Exception($"secret {name} not found");
