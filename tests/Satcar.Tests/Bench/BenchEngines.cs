using Satcar.Bench.Measurement;

namespace Satcar.Tests.Bench;

/// <summary>
/// The measuring engines a closed-loop http test runs against: both where epoll exists, the async one elsewhere. By
/// name, since xUnit's public test methods cannot take the internal enum.
/// </summary>
public static class BenchEngines
{
    public static TheoryData<string> ClosedLoopHttp =>
        OperatingSystem.IsLinux() ? new(nameof(ClientEngine.Async), nameof(ClientEngine.Epoll)) : new(nameof(ClientEngine.Async));

    internal static ClientEngine Parse(string engine) => Enum.Parse<ClientEngine>(engine);
}
