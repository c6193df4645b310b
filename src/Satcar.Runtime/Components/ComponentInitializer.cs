using Microsoft.Extensions.Logging;
using Satcar.Runtime.Resources;
using Satcar.Runtime.Secrets;
using Satcar.Runtime.State;

namespace Satcar.Runtime.Components;

/// <summary>
/// Turns component resources into live components: resolves <c>envRef</c> and value templates,
/// creates each component through the registry and runs its init under <c>initTimeout</c>.
/// A failed init stops the start unless the resource says <c>ignoreErrors: true</c>, as in daprd.
/// </summary>
public sealed partial class ComponentInitializer(
    ComponentRegistry registry,
    ComponentStore store,
    SecretsService secrets,
    ILoggerFactory loggerFactory,
    TimeProvider timeProvider)
{
    /// <summary>daprd's default <c>initTimeout</c>.</summary>
    public static readonly TimeSpan DefaultInitTimeout = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger = loggerFactory.CreateLogger<ComponentInitializer>();

    /// <summary>Initialises every component; throws <see cref="ComponentInitException"/> for the first one that fails without <c>ignoreErrors</c>.</summary>
    public async Task InitializeAsync(IReadOnlyList<ComponentResource> components, string appId, string @namespace, CancellationToken cancellationToken)
    {
        // daprd initialises secret stores before everything else, so secretKeyRef can use them.
        foreach (var resource in components.OrderBy(c => c.Category == "secretstores" ? 0 : 1))
        {
            LoadedComponent loaded;
            try
            {
                loaded = await CreateAsync(resource, appId, @namespace, cancellationToken);
            }
            catch (ComponentInitException e) when (resource.IgnoreErrors)
            {
                Log.ComponentIgnored(_logger, resource.Name, resource.Type, e.Reason);
                continue;
            }

            if (store.Set(loaded) is { } previous)
            {
                await previous.Instance.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Creates and initialises one component without putting it in the store (hot reload swaps it in
    /// itself); throws <see cref="ComponentInitException"/> with the reason when it fails.
    /// </summary>
    public async Task<LoadedComponent> CreateAsync(ComponentResource resource, string appId, string @namespace, CancellationToken cancellationToken)
    {
        try
        {
            var loaded = await CreateOneAsync(resource, appId, @namespace, cancellationToken);
            Log.ComponentLoaded(_logger, resource.Name, resource.Type, resource.Version);
            return loaded;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = e is OperationCanceledException ? $"init did not finish within {resource.InitTimeout ?? DefaultInitTimeout}" : e.Message;
            throw new ComponentInitException(
                $"component {resource.Name} ({resource.Type}/{resource.Version}) from {resource.File} failed to init: {reason}", reason, e);
        }
    }

    private async Task<LoadedComponent> CreateOneAsync(ComponentResource resource, string appId, string @namespace, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(resource.Type, resource.Version, out var registration))
        {
            throw new ComponentConfigurationException($"unknown component type {resource.Type}/{resource.Version}");
        }

        var metadata = new ComponentMetadata(resource.Name, resource.Type, resource.Version, await ResolveMetadataAsync(resource, appId, @namespace, cancellationToken));
        StateKeyPrefix? keyPrefix = null;
        if (resource.Category == "state")
        {
            keyPrefix = StateKeyPrefix.For(metadata.GetString("keyPrefix"), resource.Name, appId, @namespace);
            if (keyPrefix.IsInvalid)
            {
                throw metadata.Invalid("keyPrefix", $"can't contain '{StateKeyPrefix.Separator}'");
            }
        }

        var component = registration.Create(new ComponentContext
        {
            Name = resource.Name,
            Type = resource.Type,
            AppId = appId,
            Namespace = @namespace,
            Logger = loggerFactory.CreateLogger($"Satcar.Components.{resource.Type}"),
            TimeProvider = timeProvider,
        });

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(resource.InitTimeout ?? DefaultInitTimeout);
        try
        {
            await component.InitAsync(metadata, timeout.Token);
        }
        catch
        {
            await component.DisposeAsync();
            throw;
        }

        return new LoadedComponent(resource, metadata, component, ComponentCapabilities.Of(component, metadata), keyPrefix);
    }

    private async Task<List<KeyValuePair<string, string>>> ResolveMetadataAsync(
        ComponentResource resource, string appId, string @namespace, CancellationToken cancellationToken)
    {
        var resolved = new List<KeyValuePair<string, string>>(resource.Metadata.Count);
        foreach (var item in resource.Metadata)
        {
            var value = item.Value;
            if (string.IsNullOrEmpty(value) && item.EnvRef is { } envName)
            {
                value = ReadEnvRef(resource, item.Name, envName);
            }

            if (item.SecretKeyRef is { } secretRef && string.IsNullOrEmpty(value))
            {
                value = await secrets.ResolveSecretKeyRefAsync(resource, secretRef, cancellationToken);
                if (value is null)
                {
                    // daprd leaves the item unset with a warning when the secret cannot be read.
                    Log.SecretRefUnresolved(_logger, resource.Name, item.Name, secretRef.Name, resource.SecretStore ?? "(none)");
                    continue;
                }
            }

            resolved.Add(new(item.Name, ExpandTemplates(value ?? "", appId, @namespace)));
        }

        return resolved;
    }

    private string? ReadEnvRef(ComponentResource resource, string itemName, string envName)
    {
        // daprd refuses names that would leak its own secrets into component metadata.
        if (envName.StartsWith("DAPR_", StringComparison.OrdinalIgnoreCase)
            || envName.Equals("APP_API_TOKEN", StringComparison.OrdinalIgnoreCase)
            || envName.Any(char.IsWhiteSpace))
        {
            Log.EnvRefRefused(_logger, resource.Name, itemName, envName);
            return null;
        }

        return Environment.GetEnvironmentVariable(envName);
    }

    // daprd's value templates: {uuid} (a fresh UUID per use), {appID}, {namespace} (namespace.appid), {podName}.
    private static string ExpandTemplates(string value, string appId, string @namespace)
    {
        if (!value.Contains('{', StringComparison.Ordinal))
        {
            return value;
        }

        while (value.Contains("{uuid}", StringComparison.Ordinal))
        {
            var at = value.IndexOf("{uuid}", StringComparison.Ordinal);
            value = string.Concat(value.AsSpan(0, at), Guid.NewGuid().ToString(), value.AsSpan(at + "{uuid}".Length));
        }

        return value
            .Replace("{appID}", appId, StringComparison.Ordinal)
            .Replace("{namespace}", @namespace.Length > 0 ? $"{@namespace}.{appId}" : appId, StringComparison.Ordinal)
            .Replace("{podName}", Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName, StringComparison.Ordinal);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Component loaded: {ComponentName} ({ComponentType}/{ComponentVersion})")]
        public static partial void ComponentLoaded(ILogger logger, string componentName, string componentType, string componentVersion);

        [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Component {ComponentName} ({ComponentType}) failed to init and is skipped because ignoreErrors is set: {Reason}")]
        public static partial void ComponentIgnored(ILogger logger, string componentName, string componentType, string reason);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Component {ComponentName}: envRef {EnvName} of metadata '{ItemName}' is refused; DAPR_* and APP_API_TOKEN cannot be referenced")]
        public static partial void EnvRefRefused(ILogger logger, string componentName, string itemName, string envName);

        [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Component {ComponentName}: metadata '{ItemName}' references secret {SecretName} in store {SecretStore}, which cannot be read; the item is left unset")]
        public static partial void SecretRefUnresolved(ILogger logger, string componentName, string itemName, string secretName, string secretStore);
    }
}

/// <summary>A component failed its init; <see cref="Reason"/> says why, the message also names the component.</summary>
public sealed class ComponentInitException(string message, string reason, Exception inner) : Exception(message, inner)
{
    public string Reason { get; } = reason;
}
