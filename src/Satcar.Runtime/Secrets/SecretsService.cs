using Microsoft.Extensions.Logging;
using Satcar.Runtime.Components;
using Satcar.Runtime.Errors;
using Satcar.Runtime.Resources;

namespace Satcar.Runtime.Secrets;

/// <summary>
/// The secrets building block, independent of transport (daprd's <c>pkg/api/universal/secrets.go</c>):
/// finds the store, applies the Configuration's secret scopes and turns component failures into
/// catalogue errors. It also resolves the <c>secretKeyRef</c> items of other components at init.
/// </summary>
public sealed partial class SecretsService
{
    private readonly ComponentStore _components;
    private readonly ILogger _logger;

    public SecretsService(ComponentStore components, ResourceSet resources, ILogger<SecretsService> logger)
    {
        _components = components;
        _logger = logger;
        Scopes = SecretScopes.Read(resources.Configuration?.Spec);
        foreach (var problem in Scopes.Problems)
        {
            Log.ScopeProblem(logger, problem.Field, problem.Message);
        }
    }

    /// <summary>The secret scopes of the Configuration.</summary>
    public SecretScopes Scopes { get; }

    /// <summary>One secret's values by key; the scope is checked before the store is asked.</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetSecretAsync(
        string storeName, string key, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        if (!Scopes.IsAllowed(storeName, key))
        {
            Log.AccessDenied(_logger, key, storeName);
            throw ApiErrors.SecretPermissionDenied(key, storeName);
        }

        try
        {
            return await store.GetSecretAsync(key, metadata, cancellationToken);
        }
        catch (Exception e) when (IsComponentFailure(e, cancellationToken))
        {
            Log.StoreFailed(_logger, storeName, "get", e);
            throw ApiErrors.GetSecret(key, storeName, e.Message);
        }
    }

    /// <summary>Every secret of the store that the scopes allow; the others are left out, as daprd does.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetBulkSecretAsync(
        string storeName, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var store = Store(storeName);
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> all;
        try
        {
            all = await store.GetBulkSecretAsync(metadata, cancellationToken);
        }
        catch (Exception e) when (IsComponentFailure(e, cancellationToken))
        {
            Log.StoreFailed(_logger, storeName, "bulk get", e);
            throw ApiErrors.BulkGetSecret(storeName, e.Message);
        }

        if (Scopes.For(storeName) is not { } scope)
        {
            return all;
        }

        var allowed = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (name, values) in all)
        {
            if (scope.IsAllowed(name))
            {
                allowed[name] = values;
            }
            else
            {
                Log.AccessDenied(_logger, name, storeName);
            }
        }

        return allowed;
    }

    /// <summary>
    /// Resolves a <c>secretKeyRef</c> of a component's metadata through the component's
    /// <c>auth.secretStore</c>, as daprd's <c>processResourceSecrets</c> does: the secret is read with
    /// the component's namespace as request metadata and the key defaults to the secret's name. Secret
    /// scopes do not apply (they govern the app, not the operator's components). Null, with the reason
    /// logged, when the store is not loaded or the secret or key cannot be read; the caller leaves the item unset.
    /// </summary>
    public async Task<string?> ResolveSecretKeyRefAsync(ComponentResource resource, SecretKeyRef reference, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(resource.SecretStore))
        {
            Log.RefWithoutStore(_logger, resource.Name, reference.Name);
            return null;
        }

        var storeName = resource.SecretStore;
        if (!_components.TryGet<ISecretStore>(storeName, out var store))
        {
            Log.RefStoreNotLoaded(_logger, resource.Name, storeName);
            return null;
        }

        IReadOnlyDictionary<string, string> values;
        try
        {
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["namespace"] = resource.Namespace ?? "" };
            values = await store.GetSecretAsync(reference.Name, metadata, cancellationToken);
        }
        catch (Exception e) when (IsComponentFailure(e, cancellationToken))
        {
            Log.RefReadFailed(_logger, resource.Name, reference.Name, storeName, e.Message);
            return null;
        }

        var key = string.IsNullOrEmpty(reference.Key) ? reference.Name : reference.Key;
        if (values.TryGetValue(key, out var value) && value.Length > 0)
        {
            return value;
        }

        // daprd sets the item only from a non-empty value.
        Log.RefKeyMissing(_logger, resource.Name, reference.Name, storeName, key);
        return null;
    }

    /// <summary>Finds the store, or fails with daprd's not-configured (500) or not-found (401) error.</summary>
    private ISecretStore Store(string storeName)
    {
        if (_components.CountOf<ISecretStore>() == 0)
        {
            throw ApiErrors.SecretStoresNotConfiguredError();
        }

        return _components.TryGet<ISecretStore>(storeName, out var store)
            ? store
            : throw ApiErrors.SecretStoreNotFoundError(storeName);
    }

    private static bool IsComponentFailure(Exception e, CancellationToken cancellationToken) =>
        e is not ApiException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1800, Level = LogLevel.Error, Message = "Configuration {Field} {Problem}; the store it names denies every secret until this is fixed")]
        public static partial void ScopeProblem(ILogger logger, string field, string problem);

        [LoggerMessage(EventId = 1801, Level = LogLevel.Debug, Message = "Secret {SecretName} of store {StoreName} is denied by the secret scopes")]
        public static partial void AccessDenied(ILogger logger, string secretName, string storeName);

        [LoggerMessage(EventId = 1802, Level = LogLevel.Debug, Message = "Secret store {StoreName} failed a {Operation}")]
        public static partial void StoreFailed(ILogger logger, string storeName, string operation, Exception exception);

        [LoggerMessage(EventId = 1803, Level = LogLevel.Warning, Message = "Component {ComponentName}: secretKeyRef {SecretName} cannot be resolved because the component has no auth.secretStore")]
        public static partial void RefWithoutStore(ILogger logger, string componentName, string secretName);

        [LoggerMessage(EventId = 1804, Level = LogLevel.Warning, Message = "Component {ComponentName} references secret store {SecretStore}, which is not loaded")]
        public static partial void RefStoreNotLoaded(ILogger logger, string componentName, string secretStore);

        [LoggerMessage(EventId = 1805, Level = LogLevel.Warning, Message = "Component {ComponentName}: secret {SecretName} cannot be read from secret store {SecretStore}: {Reason}")]
        public static partial void RefReadFailed(ILogger logger, string componentName, string secretName, string secretStore, string reason);

        [LoggerMessage(EventId = 1806, Level = LogLevel.Warning, Message = "Component {ComponentName}: secret {SecretName} in secret store {SecretStore} has no key {Key} with a value")]
        public static partial void RefKeyMissing(ILogger logger, string componentName, string secretName, string secretStore, string key);
    }
}
