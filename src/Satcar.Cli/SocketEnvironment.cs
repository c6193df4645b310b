namespace Satcar.Cli;

/// <summary>
/// Socket settings that .NET reads once, when the process starts its first socket operation, so a command sets them
/// before it opens anything. An explicit setting in the environment wins.
/// </summary>
internal static class SocketEnvironment
{
    /// <summary>Socket completions run on the thread that polls the sockets instead of hopping to the thread pool.</summary>
    public const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>How many threads poll the sockets (the runtime's default is one per core).</summary>
    public const string PollingThreads = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/> unless the environment already has it.</summary>
    public static void Default(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is null)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
