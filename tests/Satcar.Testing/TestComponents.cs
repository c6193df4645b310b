namespace Satcar.Testing;

/// <summary>Component YAML that many tests need as it is.</summary>
public static class TestComponents
{
    /// <summary>A <c>state.in-memory</c> component: a state store that needs no server.</summary>
    public static string InMemoryState(string name = "statestore") => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: state.in-memory
          version: v1
        """;
}
