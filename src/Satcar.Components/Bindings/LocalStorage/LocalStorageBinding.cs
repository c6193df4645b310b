using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Components;

namespace Satcar.Components.Bindings.LocalStorage;

/// <summary>
/// <c>bindings.localstorage</c> (https://docs.dapr.io/reference/components-reference/supported-bindings/localstorage/):
/// files under <c>rootPath</c>. <c>create</c> writes the data (a JSON string is unquoted, then base64 is
/// decoded when the text is valid base64, as the Go binding does) to metadata <c>fileName</c> or a new
/// UUID and answers <c>{"fileName":"…"}</c>; <c>get</c> answers the bytes; <c>list</c> a JSON array of
/// the absolute paths of the files below rootPath (or below <c>fileName</c>); <c>delete</c> removes a file.
/// Every name must stay inside rootPath: an absolute name, a <c>..</c> segment or a symbolic link that
/// leads outside is refused (the Go binding maps such names back inside instead).
/// </summary>
internal sealed partial class LocalStorageBinding(ComponentContext context) : IOutputBinding
{
    private const string FileNameKey = "fileName";

    // The Go binding refuses these roots: kernel interfaces and Kubernetes service-account secrets.
    private static readonly string[] s_disallowedRoots = ["/proc", "/sys", "/boot", "/var/run/secrets", "/run/secrets"];

    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private string _root = "";

    public IReadOnlyList<string> Operations { get; } = ["create", "get", "list", "delete"];

    /// <summary>The resolved root folder (absolute, symbolic links resolved).</summary>
    internal string RootPath => _root;

    public Task InitAsync(ComponentMetadata metadata, CancellationToken cancellationToken)
    {
        var configured = metadata.GetRequiredString("rootPath");
        string root;
        try
        {
            root = RealPath(Path.GetFullPath(configured));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw metadata.Invalid("rootPath", $"'{configured}' cannot be resolved: {e.Message}");
        }

        foreach (var disallowed in s_disallowedRoots)
        {
            if (IsInside(root, disallowed, allowEqual: true))
            {
                throw metadata.Invalid("rootPath", $"'{configured}' points to a disallowed location ({disallowed})");
            }
        }

        if (File.Exists(root))
        {
            throw metadata.Invalid("rootPath", $"'{configured}' is a file, not a folder");
        }

        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw metadata.Invalid("rootPath", $"'{configured}' cannot be created: {e.Message}");
        }

        _root = root;
        return Task.CompletedTask;
    }

    public async Task<BindingResponse?> InvokeAsync(BindingRequest request, CancellationToken cancellationToken)
    {
        request.Metadata.TryGetValue(FileNameKey, out var fileName);
        fileName ??= "";
        switch (request.Operation)
        {
            case "create":
                return await CreateAsync(fileName.Length > 0 ? fileName : Guid.NewGuid().ToString(), request.Data, cancellationToken);
            case "get":
                return await GetAsync(fileName, cancellationToken);
            case "list":
                return List(fileName);
            case "delete":
                Delete(fileName);
                return null;
            default:
                throw new BindingOperationNotSupportedException($"unsupported operation {request.Operation}");
        }
    }

    private async Task<BindingResponse> CreateAsync(string fileName, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var path = Resolve(fileName, allowRoot: false);
        var bytes = DecodeData(data);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (Directory.Exists(path))
        {
            throw new BindingException($"metadata '{FileNameKey}' names the folder '{fileName}', not a file");
        }

        await File.WriteAllBytesAsync(path, bytes, cancellationToken);
        Log.Wrote(context.Logger, context.Name, path, bytes.Length);

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("fileName", Path.GetRelativePath(_root, path));
            writer.WriteEndObject();
        }

        return new BindingResponse(buffer.ToArray(), new Dictionary<string, string>());
    }

    private async Task<BindingResponse> GetAsync(string fileName, CancellationToken cancellationToken)
    {
        var path = Resolve(fileName, allowRoot: false);
        if (!File.Exists(path))
        {
            throw new BindingException($"file not found: {fileName}");
        }

        return new BindingResponse(await File.ReadAllBytesAsync(path, cancellationToken), new Dictionary<string, string>());
    }

    private BindingResponse List(string fileName)
    {
        var folder = Resolve(fileName, allowRoot: true);
        if (!Directory.Exists(folder))
        {
            throw new BindingException(File.Exists(folder)
                ? $"unable to list files: '{fileName}' is a file, not a folder"
                : $"unable to list files: folder '{fileName}' does not exist");
        }

        // Symbolic links are not followed, so a listing never reaches outside rootPath.
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = true,
        };
        var files = Directory.EnumerateFiles(folder, "*", options).Order(StringComparer.Ordinal).ToList();
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartArray();
            foreach (var file in files)
            {
                writer.WriteStringValue(file);
            }

            writer.WriteEndArray();
        }

        return new BindingResponse(buffer.ToArray(), new Dictionary<string, string>());
    }

    private void Delete(string fileName)
    {
        var path = Resolve(fileName, allowRoot: false);
        if (!File.Exists(path))
        {
            throw new BindingException(Directory.Exists(path)
                ? $"metadata '{FileNameKey}' names the folder '{fileName}', not a file"
                : $"file not found: {fileName}");
        }

        File.Delete(path);
        Log.Deleted(context.Logger, context.Name, path);
    }

    /// <summary>
    /// The absolute path of <paramref name="fileName"/> under the root. Refuses absolute names, <c>..</c>
    /// segments, NUL and any path whose resolved form (symbolic links followed) leaves the root.
    /// </summary>
    internal string Resolve(string fileName, bool allowRoot)
    {
        if (fileName.Length == 0)
        {
            if (allowRoot)
            {
                return _root;
            }

            throw new BindingException($"metadata '{FileNameKey}' is required");
        }

        if (fileName.Contains('\0', StringComparison.Ordinal))
        {
            throw new BindingException($"metadata '{FileNameKey}' must not contain NUL characters");
        }

        if (Path.IsPathRooted(fileName) || fileName.StartsWith('\\'))
        {
            throw new BindingException($"metadata '{FileNameKey}' must be a path relative to rootPath, got the absolute path '{fileName}'");
        }

        if (fileName.Split('/', '\\').Any(segment => segment == ".."))
        {
            throw new BindingException($"metadata '{FileNameKey}' must stay inside rootPath; '{fileName}' contains '..'");
        }

        var full = Path.GetFullPath(Path.Combine(_root, fileName));
        if (!IsInside(full, _root, allowEqual: allowRoot))
        {
            throw new BindingException($"metadata '{FileNameKey}' must name a file inside rootPath, got '{fileName}'");
        }

        if (!IsInside(RealPath(full), _root, allowEqual: allowRoot))
        {
            throw new BindingException($"metadata '{FileNameKey}' must stay inside rootPath; '{fileName}' leads outside through a symbolic link");
        }

        return full;
    }

    /// <summary>
    /// Decodes the data as the Go binding does: a JSON string loses its quotes, then text that is valid
    /// standard base64 (with padding; line breaks ignored) is decoded.
    /// </summary>
    internal static byte[] DecodeData(ReadOnlyMemory<byte> data)
    {
        var bytes = data.ToArray();
        if (bytes.Length >= 2 && bytes[0] == (byte)'"')
        {
            try
            {
                using var document = JsonDocument.Parse(bytes);
                if (document.RootElement.ValueKind == JsonValueKind.String)
                {
                    bytes = Encoding.UTF8.GetBytes(document.RootElement.GetString()!);
                }
            }
            catch (JsonException)
            {
                // Not a JSON string: written as given.
            }
        }

        return TryDecodeBase64(bytes, out var decoded) ? decoded : bytes;
    }

    private static bool TryDecodeBase64(byte[] text, out byte[] decoded)
    {
        decoded = [];
        var builder = new StringBuilder(text.Length);
        foreach (var b in text)
        {
            if (b is (byte)'\r' or (byte)'\n')
            {
                continue;
            }

            var valid = b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'+' or (byte)'/' or (byte)'=';
            if (!valid)
            {
                return false;
            }

            builder.Append((char)b);
        }

        var base64 = builder.ToString();
        if (base64.Length % 4 != 0)
        {
            return false;
        }

        // '=' only as one or two trailing padding characters.
        var padding = base64.Length - base64.TrimEnd('=').Length;
        if (padding > 2 || base64.TrimEnd('=').Contains('=', StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            decoded = Convert.FromBase64String(base64);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The path with symbolic links resolved in every part that exists; the rest is kept as written.</summary>
    internal static string RealPath(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath)!;
        var current = root;
        var parts = fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (!info.Exists)
            {
                return Path.Combine([current, .. parts[i..]]);
            }

            if (info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                next = target is null ? next : RealPath(Path.GetFullPath(target.FullName));
            }

            current = next;
        }

        return current;
    }

    private static bool IsInside(string path, string folder, bool allowEqual)
    {
        var trimmed = folder.TrimEnd(Path.DirectorySeparatorChar);
        if (path.Equals(trimmed, StringComparison.Ordinal) || path.Equals(folder, StringComparison.Ordinal))
        {
            return allowEqual;
        }

        return path.StartsWith(trimmed + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1875, Level = LogLevel.Debug, Message = "Local storage binding {BindingName}: wrote {Path} ({Bytes} bytes)")]
        public static partial void Wrote(ILogger logger, string bindingName, string path, int bytes);

        [LoggerMessage(EventId = 1876, Level = LogLevel.Debug, Message = "Local storage binding {BindingName}: deleted {Path}")]
        public static partial void Deleted(ILogger logger, string bindingName, string path);
    }
}
