using Satcar.Runtime.Components;

namespace Satcar.Runtime.Bindings;

/// <summary>
/// A binding's <c>direction</c> metadata (<c>input</c>, <c>output</c>, <c>input, output</c>), read as
/// daprd's binding processor reads it: without the key a binding is used both ways its component
/// supports; with it, only the directions it lists (comma-separated, trimmed, any case). An empty
/// value therefore allows neither.
/// </summary>
public static class BindingDirection
{
    public const string Key = "direction";

    public const string Input = "input";

    public const string Output = "output";

    /// <summary>True when the binding may be read as an input binding.</summary>
    public static bool AllowsInput(ComponentMetadata metadata) => Allows(metadata, Input);

    /// <summary>True when the binding may be invoked as an output binding.</summary>
    public static bool AllowsOutput(ComponentMetadata metadata) => Allows(metadata, Output);

    /// <summary>True when <c>direction</c> names <c>input</c>; the app is then not asked with <c>OPTIONS</c> whether it wants the events.</summary>
    public static bool ListsInput(ComponentMetadata metadata) =>
        metadata.Properties.TryGetValue(Key, out var value) && Lists(value, Input);

    private static bool Allows(ComponentMetadata metadata, string direction) =>
        !metadata.Properties.TryGetValue(Key, out var value) || Lists(value, direction);

    private static bool Lists(string value, string direction)
    {
        foreach (var part in value.Split(','))
        {
            if (part.Trim().Equals(direction, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
