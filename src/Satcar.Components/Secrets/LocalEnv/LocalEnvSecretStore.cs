using System.Collections;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Components;
using Satcar.Runtime.Secrets;

namespace Satcar.Components.Secrets.LocalEnv;

/// <summary>
/// <c>secretstores.local.env</c> (https://docs.dapr.io/reference/components-reference/supported-secret-stores/envvar-secret-store/):
/// the satcar's environment variables as secrets, read on every call. With <c>prefix</c>, only
/// variables that start with it are visible and the prefix is stripped from their names. The
/// variables that hold the sidecar's own credentials are never exposed: daprd refuses <c>DAPR_*</c>
/// and <c>APP_API_TOKEN</c>, and satcar also refuses its own <c>SATCAR_*</c> variables, which carry
/// the peer secret (<c>SATCAR_PEER_SECRET</c>).
/// </summary>
internal sealed partial class LocalEnvSecretStore(ComponentContext context) : ISecretStore
{
    private string _prefix = "";

    public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken)
    {
        _prefix = metadata.GetString("prefix") ?? "";
        return Task.CompletedTask;
    }

    /// <summary>
    /// <c>{"&lt;name&gt;":"&lt;value&gt;"}</c>, with an empty value when the variable is unset or refused:
    /// daprd answers an unknown variable with an empty value rather than an error.
    /// </summary>
    public Task<IReadOnlyDictionary<string, string>> GetSecretAsync(string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var variable = _prefix + name;
        string value;
        if (IsRefused(variable))
        {
            Log.Refused(context.Logger, context.Name, variable);
            value = "";
        }
        else
        {
            value = Environment.GetEnvironmentVariable(variable) ?? "";
        }

        return Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>(1, StringComparer.Ordinal) { [name] = value });
    }

    public Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetBulkSecretAsync(IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var secrets = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var variable = (string)entry.Key;
            if (!HasPrefix(variable) || IsRefused(variable))
            {
                continue;
            }

            var name = variable[_prefix.Length..];
            secrets[name] = new Dictionary<string, string>(1, StringComparer.Ordinal) { [name] = (string?)entry.Value ?? "" };
        }

        return Task.FromResult<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>>(secrets);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Whether a variable is under the prefix and longer than it; matched without case on Windows, as daprd does.</summary>
    private bool HasPrefix(string variable) =>
        _prefix.Length == 0
        || (variable.Length > _prefix.Length
            && variable.StartsWith(_prefix, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal));

    /// <summary>The sidecar's own credentials, compared without case as daprd does.</summary>
    internal static bool IsRefused(string variable) =>
        variable.Equals("APP_API_TOKEN", StringComparison.OrdinalIgnoreCase)
        || variable.StartsWith("DAPR_", StringComparison.OrdinalIgnoreCase)
        || variable.StartsWith("SATCAR_", StringComparison.OrdinalIgnoreCase);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1821, Level = LogLevel.Warning, Message = "Secret store {StoreName}: access to environment variable {Variable} is refused; DAPR_*, APP_API_TOKEN and SATCAR_* are never exposed")]
        public static partial void Refused(ILogger logger, string storeName, string variable);
    }
}
