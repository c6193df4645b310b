using System.Text.Json;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Components;
using Satcar.Runtime.Secrets;

namespace Satcar.Components.Secrets.LocalFile;

/// <summary>
/// <c>secretstores.local.file</c> (https://docs.dapr.io/reference/components-reference/supported-secret-stores/file-secret-store/):
/// secrets from a JSON file read once at init, relative paths from the satcar's working folder.
/// Nested objects and arrays are flattened into <c>a:b</c> and <c>a:0</c> names (<c>nestedSeparator</c>);
/// with <c>multiValued</c> each first-level object is one secret whose keys are its flattened members.
/// </summary>
internal sealed partial class LocalFileSecretStore(ComponentContext context) : ISecretStore
{
    private const string DefaultSeparator = ":";

    private Dictionary<string, IReadOnlyDictionary<string, string>> _secrets = new(StringComparer.Ordinal);

    public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken)
    {
        var file = metadata.GetRequiredString("secretsFile");
        var separator = metadata.GetString("nestedSeparator", DefaultSeparator)!;
        var multiValued = metadata.GetBoolean("multiValued", false);
        var path = Path.GetFullPath(file);

        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw metadata.Invalid("secretsFile", $"names {path}, which does not exist");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw metadata.Invalid("secretsFile", $"names {path}, which cannot be read: {e.Message}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(content);
        }
        catch (JsonException e)
        {
            throw metadata.Invalid("secretsFile", $"names {path}, which is not valid JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw metadata.Invalid("secretsFile", $"names {path}, which must hold a JSON object, not {document.RootElement.ValueKind.ToString().ToLowerInvariant()}");
            }

            try
            {
                _secrets = multiValued ? ReadMultiValued(document.RootElement, separator) : ReadSingleValued(document.RootElement, separator);
            }
            catch (DuplicateSecretException e)
            {
                throw metadata.Invalid("secretsFile", $"names {path}, which holds '{e.Name}' twice (after flattening with nestedSeparator '{separator}')");
            }
        }

        Log.Loaded(context.Logger, context.Name, _secrets.Count, path);

        return Task.CompletedTask;
    }

    public Task<IReadOnlyDictionary<string, string>> GetSecretAsync(string name, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        _secrets.TryGetValue(name, out var values)
            ? Task.FromResult(values)
            : throw new SecretNotFoundException(name);

    public Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetBulkSecretAsync(IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>>(_secrets);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Every leaf is a secret named by its flattened path, with one key: that name.</summary>
    private static Dictionary<string, IReadOnlyDictionary<string, string>> ReadSingleValued(JsonElement root, string separator)
    {
        var flat = new Dictionary<string, string>(StringComparer.Ordinal);
        Flatten(root, null, separator, flat);
        var secrets = new Dictionary<string, IReadOnlyDictionary<string, string>>(flat.Count, StringComparer.Ordinal);
        foreach (var (name, value) in flat)
        {
            secrets[name] = new Dictionary<string, string>(1, StringComparer.Ordinal) { [name] = value };
        }

        return secrets;
    }

    /// <summary>
    /// Each first-level member is a secret: an object or array holds the secret's keys (flattened),
    /// anything else is a secret with one key, its name. daprd drops first-level numbers, booleans and
    /// arrays in this mode; they are kept here so that no member of the file silently disappears.
    /// </summary>
    private static Dictionary<string, IReadOnlyDictionary<string, string>> ReadMultiValued(JsonElement root, string separator)
    {
        var secrets = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var member in root.EnumerateObject())
        {
            if (secrets.ContainsKey(member.Name))
            {
                throw new DuplicateSecretException(member.Name);
            }

            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            if (member.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                Flatten(member.Value, null, separator, values);
            }
            else
            {
                values[member.Name] = Text(member.Value);
            }

            secrets[member.Name] = values;
        }

        return secrets;
    }

    private static void Flatten(JsonElement element, string? path, string separator, Dictionary<string, string> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    Flatten(member.Value, path is null ? member.Name : path + separator + member.Name, separator, into);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    var segment = index++.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    Flatten(item, path is null ? segment : path + separator + segment, separator, into);
                }

                break;
            default:
                if (!into.TryAdd(path ?? "", Text(element)))
                {
                    throw new DuplicateSecretException(path ?? "");
                }

                break;
        }
    }

    /// <summary>
    /// A leaf as text: strings as they are, numbers and booleans as written in the file, null as empty.
    /// daprd formats non-strings with Go's <c>%s</c>, which yields text such as <c>%!s(float64=42)</c>.
    /// </summary>
    private static string Text(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Null => "",
        _ => element.GetRawText(),
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 1820, Level = LogLevel.Debug, Message = "Secret store {StoreName} read {Count} secrets from {Path}")]
        public static partial void Loaded(ILogger logger, string storeName, int count, string path);
    }

    /// <summary>Two members of the file end up with the same secret name or key.</summary>
    private sealed class DuplicateSecretException(string name) : Exception(name)
    {
        public string Name { get; } = name;
    }
}
