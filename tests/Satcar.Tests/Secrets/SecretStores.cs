using Microsoft.Extensions.Logging;
using Satcar.Components;
using Satcar.Runtime.Components;
using Satcar.Runtime.Secrets;

namespace Satcar.Tests.Secrets;

/// <summary>Creates built-in secret stores through the registry, as the satcar does.</summary>
internal static class SecretStores
{
    public static async Task<ISecretStore> CreateAsync(string type, Dictionary<string, string> metadata, ILogger? logger = null)
    {
        Assert.True(BuiltInComponents.CreateRegistry().TryGet(type, "v1", out var registration));
        var store = (ISecretStore)registration.Create(new ComponentContext
        {
            Name = "secretstore",
            Type = type,
            AppId = "orders",
            Logger = logger ?? new ListLogger<ISecretStore>(),
        });
        await store.InitAsync(new ComponentMetadata("secretstore", type, "v1", metadata), CancellationToken.None);
        return store;
    }

    public static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();
}

/// <summary>A logger that keeps what it is given, for asserting that a reason was logged.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly List<(LogLevel Level, int EventId, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, int EventId, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add((logLevel, eventId.Id, formatter(state, exception)));
        }
    }
}
