using System.Text.Json;
using System.Text.Json.Nodes;
using Satcar.Runtime.Resources;

namespace Satcar.Runtime.Secrets;

/// <summary>
/// The Configuration's <c>spec.secrets.scopes</c>: which secrets of each store the app may read
/// (https://docs.dapr.io/operations/configuration/secret-scope/). Field names are matched without
/// regard to case and the last of a repeated field wins, as Go's JSON decoder does for daprd; store
/// and secret names are matched exactly. A store without a scope allows every secret.
/// </summary>
public sealed class SecretScopes
{
    private const string Path = "spec.secrets.scopes";

    private readonly Dictionary<string, SecretScope> _scopes;

    private SecretScopes(Dictionary<string, SecretScope> scopes, IReadOnlyList<SecretScopeProblem> problems)
    {
        _scopes = scopes;
        Problems = problems;
    }

    /// <summary>No scopes: every secret of every store is allowed.</summary>
    public static SecretScopes None { get; } = new(new Dictionary<string, SecretScope>(StringComparer.Ordinal), []);

    /// <summary>
    /// What is wrong with the section, each naming its field. daprd refuses to start on a repeated
    /// <c>storeName</c> or an unknown <c>defaultAccess</c>; a store named by a broken entry denies
    /// every secret here, so a mistake never widens access.
    /// </summary>
    public IReadOnlyList<SecretScopeProblem> Problems { get; }

    /// <summary>The scope of one store, when the Configuration gives it one.</summary>
    public SecretScope? For(string storeName) => _scopes.GetValueOrDefault(storeName);

    /// <summary>Whether the app may read <paramref name="secretName"/> from <paramref name="storeName"/>.</summary>
    public bool IsAllowed(string storeName, string secretName) =>
        !_scopes.TryGetValue(storeName, out var scope) || scope.IsAllowed(secretName);

    /// <summary>Reads <c>spec.secrets.scopes</c> from a Configuration's spec (null when there is no Configuration).</summary>
    public static SecretScopes Read(JsonObject? spec)
    {
        if (GoJson.Field(spec, "secrets") is not { } secretsNode)
        {
            return None;
        }

        var problems = new List<SecretScopeProblem>();
        var scopes = new Dictionary<string, SecretScope>(StringComparer.Ordinal);
        if (secretsNode is not JsonObject secrets)
        {
            problems.Add(new("spec.secrets", "must be a mapping"));
            return new SecretScopes(scopes, problems);
        }

        switch (GoJson.Field(secrets, "scopes"))
        {
            case null:
                return new SecretScopes(scopes, problems);
            case JsonArray list:
                for (var i = 0; i < list.Count; i++)
                {
                    ReadScope(list[i], $"{Path}[{i}]", scopes, problems);
                }

                return new SecretScopes(scopes, problems);
            default:
                problems.Add(new(Path, "must be a list"));
                return new SecretScopes(scopes, problems);
        }
    }

    private static void ReadScope(JsonNode? node, string path, Dictionary<string, SecretScope> scopes, List<SecretScopeProblem> problems)
    {
        if (node is not JsonObject entry)
        {
            problems.Add(new(path, "must be a mapping with storeName, defaultAccess, allowedSecrets and deniedSecrets"));
            return;
        }

        var before = problems.Count;
        var storeName = ReadString(entry, "storeName", path, problems);
        if (string.IsNullOrEmpty(storeName))
        {
            problems.Add(new($"{path}.storeName", "is required"));
            return;
        }

        var access = ReadString(entry, "defaultAccess", path, problems) ?? "";
        var denyByDefault = access.Equals("deny", StringComparison.OrdinalIgnoreCase);
        if (access.Length > 0 && !denyByDefault && !access.Equals("allow", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new($"{path}.defaultAccess", $"must be 'allow' or 'deny', got '{access}'"));
        }

        var allowed = ReadNames(entry, "allowedSecrets", path, problems);
        var denied = ReadNames(entry, "deniedSecrets", path, problems);
        if (scopes.ContainsKey(storeName))
        {
            problems.Add(new($"{path}.storeName", $"'{storeName}' is repeated; each store may have one scope"));
        }

        scopes[storeName] = problems.Count > before
            ? SecretScope.DenyAll(storeName)
            : new SecretScope(storeName, denyByDefault, allowed, denied);
    }

    private static string? ReadString(JsonObject entry, string name, string path, List<SecretScopeProblem> problems)
    {
        switch (GoJson.Field(entry, name))
        {
            case null:
                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return value.GetValue<string>();
            default:
                problems.Add(new($"{path}.{name}", "must be a string"));
                return null;
        }
    }

    private static HashSet<string> ReadNames(JsonObject entry, string name, string path, List<SecretScopeProblem> problems)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        switch (GoJson.Field(entry, name))
        {
            case null:
                break;
            case JsonArray list:
                for (var i = 0; i < list.Count; i++)
                {
                    if (list[i] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
                    {
                        names.Add(value.GetValue<string>());
                    }
                    else
                    {
                        // daprd's decoder refuses a number or boolean here; quoting it makes the name explicit.
                        problems.Add(new($"{path}.{name}[{i}]", "must be a string; quote names such as 123 or true"));
                    }
                }

                break;
            default:
                problems.Add(new($"{path}.{name}", "must be a list of secret names"));
                break;
        }

        return names;
    }
}

/// <summary>The secret scope of one store.</summary>
/// <param name="StoreName">The secret store it applies to.</param>
/// <param name="DenyByDefault"><c>defaultAccess: deny</c>.</param>
/// <param name="AllowedSecrets">When not empty, the only secrets the app may read.</param>
/// <param name="DeniedSecrets">Secrets the app may never read.</param>
public sealed record SecretScope(string StoreName, bool DenyByDefault, IReadOnlySet<string> AllowedSecrets, IReadOnlySet<string> DeniedSecrets)
{
    /// <summary>A scope that denies everything: what a broken entry becomes.</summary>
    public static SecretScope DenyAll(string storeName) =>
        new(storeName, true, new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));

    /// <summary>
    /// daprd's rule (<c>SecretsScope.IsSecretAllowed</c>): a non-empty allow list admits only its names,
    /// otherwise a denied name is refused and the rest follow <c>defaultAccess</c>. A name on both lists
    /// is denied here; daprd lets the allow list win, which would let a deny entry be silently ignored.
    /// </summary>
    public bool IsAllowed(string secretName)
    {
        if (DeniedSecrets.Contains(secretName))
        {
            return false;
        }

        if (AllowedSecrets.Count > 0)
        {
            return AllowedSecrets.Contains(secretName);
        }

        return !DenyByDefault;
    }
}

/// <summary>One problem in <c>spec.secrets</c>: the field and what is wrong with it.</summary>
public sealed record SecretScopeProblem(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
