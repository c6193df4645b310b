using System.Text.Json.Nodes;

namespace Satcar.Runtime.Resources;

/// <summary>Reading a Configuration's JSON the way daprd's Go decoder reads it.</summary>
internal static class GoJson
{
    /// <summary>A field of <paramref name="node"/> matched as Go's JSON decoder does: any case, the last match wins.</summary>
    public static JsonNode? Field(JsonObject? node, string name)
    {
        if (node is null)
        {
            return null;
        }

        JsonNode? found = null;
        foreach (var (key, value) in node)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                found = value;
            }
        }

        return found;
    }
}
