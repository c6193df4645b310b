using System.Net;

namespace Satcar.Bench.Http1;

/// <summary>
/// The run's addresses as <see cref="Connector"/> resolved them (once per run), each also in the form <c>connect</c>
/// takes, serialised once instead of per connection; or why resolution failed, which every request that needs a
/// connection then fails with, as on the async path.
/// </summary>
internal sealed class ResolvedTarget
{
    private readonly byte[][] _nativeAddresses = [];

    /// <param name="resolution">The connector's resolution, already finished.</param>
    public ResolvedTarget(Task<IPEndPoint[]> resolution)
    {
        if (!resolution.IsCompletedSuccessfully)
        {
            Error = resolution.Exception?.InnerException ?? new OperationCanceledException();
            return;
        }

        EndPoints = resolution.Result;
        _nativeAddresses = [.. EndPoints.Select(endpoint =>
        {
            var address = endpoint.Serialize();
            return address.Buffer[..address.Size].ToArray();
        })];
    }

    public IPEndPoint[] EndPoints { get; } = [];

    /// <summary>Why the host could not be resolved; null when it was.</summary>
    public Exception? Error { get; }

    /// <summary>The <paramref name="index"/>th address as a native <c>sockaddr</c>.</summary>
    public byte[] NativeAddress(int index) => _nativeAddresses[index];
}
