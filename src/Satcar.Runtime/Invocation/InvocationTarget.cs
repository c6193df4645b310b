using Satcar.Runtime.Errors;

namespace Satcar.Runtime.Invocation;

/// <summary>
/// The app an invocation is for: <c>appId</c> or <c>appId.namespace</c>, as daprd accepts them
/// (https://docs.dapr.io/developing-applications/building-blocks/service-invocation/service-invocation-namespaces/).
/// </summary>
public sealed record InvocationTarget(string AppId, string? Namespace)
{
    /// <summary>Parses a target id; a malformed one is refused before anything is called.</summary>
    public static InvocationTarget Parse(string id)
    {
        if (id.Length == 0 || id.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '/' or '\\' or '#' or '?' or '%'))
        {
            throw ApiErrors.InvalidAppId(id);
        }

        var parts = id.Split('.');
        return parts.Length switch
        {
            1 => new InvocationTarget(id, null),
            2 when parts[0].Length > 0 && parts[1].Length > 0 => new InvocationTarget(parts[0], parts[1]),
            _ => throw ApiErrors.InvalidAppId(id),
        };
    }

    /// <summary>True when the target is the app of this satcar (same id, and same namespace when one is named).</summary>
    public bool Is(string appId, string @namespace) =>
        AppId == appId && (Namespace is null || Namespace == @namespace);

    public override string ToString() => Namespace is null ? AppId : $"{AppId}.{Namespace}";
}
