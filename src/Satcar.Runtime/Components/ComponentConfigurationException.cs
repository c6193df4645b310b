namespace Satcar.Runtime.Components;

/// <summary>A component's metadata is missing or invalid; the message names the component and the key.</summary>
public sealed class ComponentConfigurationException(string message) : Exception(message);
