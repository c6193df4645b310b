using System.Text.Json.Nodes;
using Satcar.Runtime.Components;
using Satcar.Runtime.PubSub;
using Satcar.Runtime.Secrets;
using Satcar.Runtime.Security;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Satcar.Runtime.Resources;

/// <summary>
/// Reads Dapr resource YAML the way daprd's self-hosted loader does: every <c>*.yaml</c>/<c>*.yml</c>
/// in each resources folder, multi-document files, <c>scopes</c> by app id, duplicate names refused;
/// Configuration files from <c>--config</c> with <c>${VAR}</c> expansion before parsing. It never stops
/// at the first problem: every problem is collected with its file, line and field.
/// </summary>
public sealed class ResourceLoader(ComponentRegistry registry)
{
    private const string ApiVersion = "dapr.io/v1alpha1";

    /// <summary>The kinds daprd reads from resources folders that this satcar does not act on yet.</summary>
    private static readonly HashSet<string> s_otherDaprKinds = new(StringComparer.Ordinal)
    {
        "Resiliency", "HTTPEndpoint",
    };

    /// <summary>Reads everything and reports every problem.</summary>
    /// <param name="request">The folders, files and identity to load for.</param>
    public ResourceSet Load(ResourceLoadRequest request)
    {
        var problems = new List<ResourceProblem>();
        var notes = new List<string>();
        var components = new List<ComponentResource>();
        var subscriptions = new List<(SubscriptionSpec Spec, IReadOnlyList<string> Scopes, string? Namespace)>();

        foreach (var folder in request.ResourcePaths)
        {
            foreach (var file in ListYamlFiles(folder, problems))
            {
                if (ReadText(file, problems) is not { } text)
                {
                    continue;
                }

                foreach (var (root, line) in ReadDocuments(file, text, problems))
                {
                    ReadResourceDocument(file, root, line, components, subscriptions, problems, notes);
                }
            }
        }

        RejectDuplicates(components, problems);

        var configuration = request.ConfigFiles.Count == 0
            ? null
            : ReadConfiguration(request.ConfigFiles, request.Variables, problems);

        var loaded = components
            .Where(c => request.AppId is null || c.IsInScope(request.AppId))
            .Where(c => request.Namespace is null || c.Namespace is null || c.Namespace == request.Namespace)
            .ToList();

        var subscribed = subscriptions
            .Where(s => request.AppId is null || s.Scopes.Count == 0 || s.Scopes.Contains(request.AppId, StringComparer.Ordinal))
            .Where(s => request.Namespace is null || s.Namespace is null || s.Namespace == request.Namespace)
            .Select(s => s.Spec)
            .ToList();
        return new ResourceSet(loaded, components.Count - loaded.Count, configuration, problems, notes) { Subscriptions = subscribed };
    }

    /// <summary>The file's text; null, with the reason as a problem, when it vanished or cannot be read (a dangling link, a share gone away).</summary>
    private static string? ReadText(string file, List<ResourceProblem> problems)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new ResourceProblem(file, null, null, $"cannot be read: {e.Message}"));
            return null;
        }
    }

    private static IEnumerable<string> ListYamlFiles(string folder, List<ResourceProblem> problems)
    {
        if (File.Exists(folder))
        {
            return [folder];
        }

        if (!Directory.Exists(folder))
        {
            problems.Add(new ResourceProblem(folder, null, null, "resources folder does not exist"));
            return [];
        }

        return Directory.EnumerateFiles(folder)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static List<(YamlMappingNode Root, int Line)> ReadDocuments(string file, string text, List<ResourceProblem> problems)
    {
        var documents = new List<(YamlMappingNode, int)>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            problems.Add(new ResourceProblem(file, (int)e.Start.Line, null, $"invalid YAML: {InnerMessage(e)}"));
            return documents;
        }

        foreach (var document in stream.Documents)
        {
            switch (document.RootNode)
            {
                case YamlMappingNode mapping:
                    documents.Add((mapping, (int)mapping.Start.Line));
                    break;
                case YamlScalarNode { Value: null or "" }:
                    break; // an empty document, such as the one after a trailing "---"
                default:
                    problems.Add(new ResourceProblem(file, (int)document.RootNode.Start.Line, null, "a resource document must be a YAML mapping"));
                    break;
            }
        }

        return documents;
    }

    private static string InnerMessage(YamlException e) =>
        e.InnerException is YamlException inner ? inner.Message : e.Message;

    private void ReadResourceDocument(
        string file, YamlMappingNode root, int line, List<ComponentResource> components,
        List<(SubscriptionSpec, IReadOnlyList<string>, string?)> subscriptions, List<ResourceProblem> problems, List<string> notes)
    {
        var fields = new Fields(file, root, problems);
        var kind = fields.String("kind");
        switch (kind)
        {
            case "Component":
                if (ReadComponent(fields, file, line) is { } component)
                {
                    components.Add(component);
                }

                break;
            case "Subscription":
                if (ReadSubscription(fields, file, line) is { } subscription)
                {
                    subscriptions.Add(subscription);
                }

                break;
            case "Configuration":
                notes.Add($"{file}:{line}: a Configuration in a resources folder is ignored, as daprd does; pass it with --config");
                break;
            case { } other when s_otherDaprKinds.Contains(other):
                notes.Add($"{file}:{line}: kind {other} is not supported by this satcar yet and is ignored");
                break;
            case null:
                problems.Add(new ResourceProblem(file, line, "kind", "is required"));
                break;
            default:
                // daprd keeps only the documents whose kind it reads; others are skipped.
                notes.Add($"{file}:{line}: kind {kind} is not a Dapr resource and is ignored");
                break;
        }
    }

    private ComponentResource? ReadComponent(Fields fields, string file, int line)
    {
        var before = fields.ProblemCount;
        var apiVersion = fields.String("apiVersion");
        if (apiVersion is null)
        {
            fields.Problem("apiVersion", "is required");
        }
        else if (apiVersion != ApiVersion)
        {
            fields.Problem("apiVersion", $"must be {ApiVersion}, got '{apiVersion}'");
        }

        var metadata = fields.Mapping("metadata");
        var name = metadata?.String("name");
        if (metadata is null || name is null)
        {
            fields.Problem("metadata.name", "is required");
        }
        else if (NameProblem(name) is { } nameProblem)
        {
            fields.Problem("metadata.name", nameProblem);
        }

        var spec = fields.Mapping("spec");
        if (spec is null)
        {
            fields.Problem("spec", "is required");
            return null;
        }

        var type = spec.String("type");
        var version = spec.String("version") ?? "v1";
        if (type is null)
        {
            fields.Problem("spec.type", "is required");
        }
        else if (!registry.IsKnownType(type))
        {
            fields.Problem("spec.type", $"unknown component type '{type}'; known types: {string.Join(", ", registry.KnownTypes)}");
        }
        else if (!registry.TryGet(type, version, out _))
        {
            fields.Problem("spec.version", $"{type} has no version '{version}'; known versions: {string.Join(", ", registry.VersionsOf(type))}");
        }

        TimeSpan? initTimeout = null;
        if (spec.String("initTimeout") is { } timeoutText)
        {
            if (GoDuration.TryParse(timeoutText, out var timeout) && timeout > TimeSpan.Zero)
            {
                initTimeout = timeout;
            }
            else
            {
                fields.Problem("spec.initTimeout", $"must be a positive duration such as '5s', got '{timeoutText}'");
            }
        }

        var items = ReadMetadataItems(spec, fields);
        var auth = fields.Mapping("auth");
        var scopes = fields.StringList("scopes");

        if (fields.ProblemCount > before || name is null || type is null)
        {
            return null;
        }

        return new ComponentResource
        {
            Name = name,
            Namespace = metadata!.String("namespace"),
            Type = type,
            Version = version,
            IgnoreErrors = spec.Boolean("ignoreErrors") ?? false,
            InitTimeout = initTimeout,
            Metadata = items,
            SecretStore = auth?.String("secretStore"),
            Scopes = scopes,
            File = file,
            Line = line,
        };
    }

    /// <summary>
    /// A <c>kind: Subscription</c> document: <c>dapr.io/v1alpha1</c> with <c>spec.route</c>, or
    /// <c>dapr.io/v2alpha1</c> with <c>spec.routes</c> (CEL <c>rules</c> and a <c>default</c>).
    /// </summary>
    private static (SubscriptionSpec, IReadOnlyList<string>, string?)? ReadSubscription(Fields fields, string file, int line)
    {
        var before = fields.ProblemCount;
        var apiVersion = fields.String("apiVersion");
        if (apiVersion is not (ApiVersion or "dapr.io/v2alpha1"))
        {
            fields.Problem("apiVersion", $"must be {ApiVersion} or dapr.io/v2alpha1, got '{apiVersion}'");
        }

        var name = fields.Mapping("metadata")?.String("name");
        if (name is null)
        {
            fields.Problem("metadata.name", "is required");
        }

        var spec = fields.Mapping("spec");
        if (spec is null)
        {
            fields.Problem("spec", "is required");
            return null;
        }

        var pubsub = spec.String("pubsubname");
        var topic = spec.String("topic");
        if (pubsub is null)
        {
            fields.Problem("spec.pubsubname", "is required");
        }

        if (topic is null)
        {
            fields.Problem("spec.topic", "is required");
        }

        var rules = new List<RouteRule>();
        string? defaultPath = spec.String("route");
        if (spec.Mapping("routes") is { } routes)
        {
            defaultPath = routes.String("default") ?? defaultPath;
            var index = 0;
            foreach (var rule in routes.MappingList("rules"))
            {
                var at = $"spec.routes.rules[{index++}]";
                var match = rule.String("match") ?? "";
                var path = rule.String("path");
                if (path is null)
                {
                    fields.Problem($"{at}.path", "is required");
                    continue;
                }

                try
                {
                    rules.Add(new RouteRule(match, SubscriptionSpec.NormalizePath(path), match.Length == 0 ? null : RouteExpression.Parse(match)));
                }
                catch (FormatException e)
                {
                    fields.Problem($"{at}.match", e.Message);
                }
            }
        }

        if (rules.Count == 0 && defaultPath is null && fields.ProblemCount == before)
        {
            fields.Problem("spec.route", "a route (v1alpha1) or routes (v2alpha1) is required");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (spec.Mapping("metadata") is { } meta)
        {
            foreach (var key in meta.Keys)
            {
                metadata[key] = meta.ScalarText(key) ?? "";
            }
        }

        if (fields.ProblemCount > before)
        {
            return null;
        }

        return (new SubscriptionSpec
        {
            PubSubName = pubsub!,
            Topic = topic!,
            Rules = rules,
            DefaultPath = defaultPath is null ? null : SubscriptionSpec.NormalizePath(defaultPath),
            Metadata = metadata,
            DeadLetterTopic = spec.String("deadLetterTopic"),
            Type = "DECLARATIVE",
            Source = $"{file}:{line}",
        }, fields.StringList("scopes"), fields.Mapping("metadata")?.String("namespace"));
    }

    private static List<MetadataItem> ReadMetadataItems(Fields spec, Fields root)
    {
        var items = new List<MetadataItem>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var index = 0;
        foreach (var item in spec.MappingList("metadata"))
        {
            var field = $"spec.metadata[{index++}]";
            var name = item.String("name");
            if (name is null)
            {
                root.Problem($"{field}.name", "is required");
                continue;
            }

            if (!seen.Add(name))
            {
                root.Problem($"{field}.name", $"'{name}' is given more than once");
                continue;
            }

            var secretRef = item.Mapping("secretKeyRef");
            SecretKeyRef? secretKeyRef = null;
            if (secretRef is not null)
            {
                var secretName = secretRef.String("name");
                if (secretName is null)
                {
                    root.Problem($"{field}.secretKeyRef.name", "is required");
                    continue;
                }

                secretKeyRef = new SecretKeyRef(secretName, secretRef.String("key") ?? secretName);
            }

            items.Add(new MetadataItem(name, item.ScalarText("value"), secretKeyRef, item.String("envRef")));
        }

        return items;
    }

    private static void RejectDuplicates(List<ComponentResource> components, List<ResourceProblem> problems)
    {
        var first = new Dictionary<string, ComponentResource>(StringComparer.Ordinal);
        var duplicates = new HashSet<ComponentResource>(ReferenceEqualityComparer.Instance);
        foreach (var component in components)
        {
            if (!first.TryAdd(component.Name, component))
            {
                var original = first[component.Name];
                problems.Add(new ResourceProblem(component.File, component.Line, "metadata.name",
                    $"duplicate component name '{component.Name}', first defined at {original.File}:{original.Line}"));
                duplicates.Add(component);
            }
        }

        components.RemoveAll(duplicates.Contains);
    }

    private ConfigurationResource? ReadConfiguration(
        IReadOnlyList<string> files, IReadOnlyDictionary<string, string> variables, List<ResourceProblem> problems)
    {
        string? name = null;
        var spec = new JsonObject();
        var before = problems.Count;
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                problems.Add(new ResourceProblem(file, null, null, "configuration file does not exist"));
                continue;
            }

            var text = EnvExpander.Expand(File.ReadAllText(file), variables);
            var documents = ReadDocuments(file, text, problems);
            var configurations = documents.Where(d => new Fields(file, d.Root, problems).String("kind") == "Configuration").ToList();
            if (configurations.Count == 0 && documents.Count > 0)
            {
                problems.Add(new ResourceProblem(file, documents[0].Line, "kind", "the file holds no document of kind Configuration"));
            }

            foreach (var (root, _) in configurations)
            {
                var fields = new Fields(file, root, problems);
                if (fields.String("apiVersion") is { } apiVersion && apiVersion != ApiVersion)
                {
                    fields.Problem("apiVersion", $"must be {ApiVersion}, got '{apiVersion}'");
                }

                name ??= fields.Mapping("metadata")?.String("name");
                if (root.Children.TryGetValue(new YamlScalarNode("spec"), out var specNode))
                {
                    if (specNode is YamlMappingNode specMapping)
                    {
                        Merge(spec, YamlJson.ToObject(specMapping));
                        ValidateConfigurationSpec(fields, specMapping);
                    }
                    else if (specNode is not YamlScalarNode { Value: null or "" })
                    {
                        fields.Problem("spec", "must be a mapping");
                    }
                }
            }
        }

        if (problems.Count > before)
        {
            return null;
        }

        return new ConfigurationResource
        {
            Name = name ?? "default",
            Files = files,
            Spec = spec,
            NameResolution = ReadNameResolution(spec),
            Features = ReadFeatures(spec),
            ApiLogging = spec["logging"]?["apiLogging"]?["enabled"] is JsonValue enabled && enabled.TryGetValue<bool>(out var on) ? on : null,
        };
    }

    private void ValidateConfigurationSpec(Fields fields, YamlMappingNode spec)
    {
        var specFields = new Fields(fields.File, spec, fields.Problems, "spec.");
        var specJson = YamlJson.ToObject(spec);
        if (specFields.Mapping("nameResolution") is { } nameResolution)
        {
            var configuration = nameResolution.Mapping("configuration");
            if (nameResolution.Has("configuration") && configuration is null)
            {
                fields.Problem("spec.nameResolution.configuration", "must be a mapping");
            }

            if (nameResolution.String("component") is not { } component)
            {
                fields.Problem("spec.nameResolution.component", "is required");
            }
            else if (!registry.IsKnownNameResolver(component))
            {
                fields.Problem("spec.nameResolution.component", $"unknown name resolver '{component}'; known: {string.Join(", ", registry.KnownNameResolvers)}");
            }
            else if (configuration is not null || !nameResolution.Has("configuration"))
            {
                // The resolver's own fields (a Consul address, an interval), which would otherwise surface only when
                // the satcar starts its resolver, after the resources had been reported valid.
                foreach (var problem in registry.NameResolverProblems(component, ReadNameResolution(specJson)!.Configuration))
                {
                    fields.Problem("spec.nameResolution.configuration", problem);
                }
            }
        }

        // A broken secret scope must not silently widen or narrow access: daprd refuses to start.
        foreach (var problem in SecretScopes.Read(specJson).Problems)
        {
            fields.Problem(problem.Field, problem.Message);
        }

        // Likewise a broken API allowlist rule: ignoring it would leave open an API its author meant to close.
        foreach (var problem in ApiAllowlist.Read(specJson).Problems)
        {
            fields.Problem(problem.Field, problem.Message);
        }

        var index = 0;
        foreach (var feature in specFields.MappingList("features"))
        {
            if (feature.String("name") is null)
            {
                fields.Problem($"spec.features[{index}].name", "is required");
            }

            index++;
        }
    }

    private static NameResolutionSpec? ReadNameResolution(JsonObject spec)
    {
        if (spec["nameResolution"] is not JsonObject nameResolution)
        {
            return null;
        }

        var component = nameResolution["component"]?.GetValue<string>() ?? "";
        var version = nameResolution["version"] is JsonValue v && v.TryGetValue<string>(out var text) && text.Length > 0 ? text : "v1";
        var configuration = nameResolution["configuration"] as JsonObject ?? [];
        return new NameResolutionSpec(component, version, configuration);
    }

    private static Dictionary<string, bool> ReadFeatures(JsonObject spec)
    {
        var features = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (spec["features"] is JsonArray list)
        {
            foreach (var feature in list.OfType<JsonObject>())
            {
                if (feature["name"] is JsonValue name && name.TryGetValue<string>(out var featureName))
                {
                    features[featureName] = feature["enabled"] is JsonValue enabled && enabled.TryGetValue<bool>(out var on) && on;
                }
            }
        }

        return features;
    }

    // Later --config files override earlier ones, key by key.
    private static void Merge(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source.ToList())
        {
            source.Remove(key);
            if (target[key] is JsonObject existing && value is JsonObject incoming)
            {
                Merge(existing, incoming);
            }
            else
            {
                target[key] = value;
            }
        }
    }

    /// <summary>
    /// daprd requires resource names to be usable as a URL path segment; the state-key separator
    /// <c>||</c> is refused as well because it would break key prefixes.
    /// </summary>
    internal static string? NameProblem(string name)
    {
        if (name.Length > 253)
        {
            return "must be at most 253 characters";
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return $"'{name}' may contain only letters, digits, '-', '_' and '.'";
            }
        }

        return name is "." or ".." ? $"'{name}' is not a valid name" : null;
    }

    /// <summary>Typed access to a mapping's fields that records a problem, with the field path, for every wrong shape.</summary>
    private sealed class Fields(string file, YamlMappingNode node, List<ResourceProblem> problems, string prefix = "")
    {
        public string File { get; } = file;

        public List<ResourceProblem> Problems { get; } = problems;

        public int ProblemCount => Problems.Count;

        /// <summary>Records a problem about <paramref name="field"/> (a dotted path from this mapping), at the line of the deepest node of the path that exists.</summary>
        public void Problem(string field, string message) =>
            Problems.Add(new ResourceProblem(File, LineOf(field), prefix + field, message));

        private int LineOf(string field)
        {
            YamlNode current = node;
            foreach (var part in field.Split('.'))
            {
                var name = part;
                int? index = null;
                if (part.IndexOf('[', StringComparison.Ordinal) is var bracket and > 0 && int.TryParse(part[(bracket + 1)..^1], out var i))
                {
                    name = part[..bracket];
                    index = i;
                }

                if (current is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(name), out var child))
                {
                    break;
                }

                current = child;
                if (index is { } at)
                {
                    if (current is not YamlSequenceNode sequence || at >= sequence.Children.Count)
                    {
                        break;
                    }

                    current = sequence.Children[at];
                }
            }

            return (int)current.Start.Line;
        }

        public bool Has(string key) => node.Children.ContainsKey(new YamlScalarNode(key));

        /// <summary>The keys of this mapping, as written.</summary>
        public IEnumerable<string> Keys => node.Children.Keys.Select(YamlJson.Text);

        public string? String(string key)
        {
            if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value))
            {
                return null;
            }

            if (value is YamlScalarNode scalar)
            {
                return string.IsNullOrEmpty(scalar.Value) ? null : scalar.Value;
            }

            Add(key, value, "must be a plain value");
            return null;
        }

        /// <summary>A scalar's text whatever its YAML type (<c>value: 5</c> and <c>value: "5"</c> both give "5").</summary>
        public string? ScalarText(string key)
        {
            if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value))
            {
                return null;
            }

            if (value is YamlScalarNode scalar)
            {
                return scalar.Value ?? "";
            }

            // daprd renders structured values to JSON text; keep that rather than refuse them.
            return YamlJson.ToJson(value)?.ToJsonString() ?? "";
        }

        public bool? Boolean(string key)
        {
            var text = String(key);
            if (text is null)
            {
                return null;
            }

            if (bool.TryParse(text, out var value))
            {
                return value;
            }

            Add(key, node.Children[new YamlScalarNode(key)], $"must be true or false, got '{text}'");
            return null;
        }

        public Fields? Mapping(string key)
        {
            if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value) || value is YamlScalarNode { Value: null or "" })
            {
                return null;
            }

            if (value is YamlMappingNode mapping)
            {
                return new Fields(File, mapping, Problems, $"{prefix}{key}.");
            }

            Add(key, value, "must be a mapping");
            return null;
        }

        public IEnumerable<Fields> MappingList(string key)
        {
            if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value) || value is YamlScalarNode { Value: null or "" })
            {
                yield break;
            }

            if (value is not YamlSequenceNode sequence)
            {
                Add(key, value, "must be a list");
                yield break;
            }

            var index = 0;
            foreach (var entry in sequence.Children)
            {
                if (entry is YamlMappingNode mapping)
                {
                    yield return new Fields(File, mapping, Problems, $"{prefix}{key}[{index}].");
                }
                else
                {
                    Problems.Add(new ResourceProblem(File, (int)entry.Start.Line, $"{prefix}{key}[{index}]", "must be a mapping"));
                }

                index++;
            }
        }

        public List<string> StringList(string key)
        {
            var result = new List<string>();
            if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value) || value is YamlScalarNode { Value: null or "" })
            {
                return result;
            }

            if (value is not YamlSequenceNode sequence)
            {
                Add(key, value, "must be a list");
                return result;
            }

            foreach (var entry in sequence.Children)
            {
                if (entry is YamlScalarNode { Value: { Length: > 0 } text })
                {
                    result.Add(text);
                }
                else
                {
                    Problems.Add(new ResourceProblem(File, (int)entry.Start.Line, $"{prefix}{key}", "every entry must be a plain value"));
                }
            }

            return result;
        }

        private void Add(string key, YamlNode value, string message) =>
            Problems.Add(new ResourceProblem(File, (int)value.Start.Line, prefix + key, message));
    }
}

/// <summary>What to load: resources folders, Configuration files, and the identity that scopes apply to.</summary>
public sealed record ResourceLoadRequest
{
    public IReadOnlyList<string> ResourcePaths { get; init; } = [];

    public IReadOnlyList<string> ConfigFiles { get; init; } = [];

    /// <summary>The app id that <c>scopes</c> are checked against; null loads every component (for validation).</summary>
    public string? AppId { get; init; }

    /// <summary>The <c>NAMESPACE</c> value; null when unset, in which case <c>metadata.namespace</c> is ignored as in daprd.</summary>
    public string? Namespace { get; init; }

    /// <summary>Names that take precedence over the environment when Configuration files are expanded.</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();
}

/// <summary>The result of loading: the components for this app, the configuration, and every problem found.</summary>
public sealed record ResourceSet(
    IReadOnlyList<ComponentResource> Components,
    int OutOfScope,
    ConfigurationResource? Configuration,
    IReadOnlyList<ResourceProblem> Problems,
    IReadOnlyList<string> Notes)
{
    /// <summary>The declarative subscriptions in scope for the app.</summary>
    public IReadOnlyList<SubscriptionSpec> Subscriptions { get; init; } = [];

    public bool IsValid => Problems.Count == 0;
}
