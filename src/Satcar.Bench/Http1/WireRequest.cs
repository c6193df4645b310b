namespace Satcar.Bench.Http1;

/// <summary>
/// A request serialised once per run and written as is for every request, as ab does.
/// </summary>
/// <param name="Bytes">Request line, headers and body.</param>
/// <param name="IsHead">A HEAD request, whose response has no body whatever its headers say.</param>
/// <param name="KeepAlive">The run reuses connections (<c>-k</c>).</param>
/// <param name="AsksClose">The request carries <c>Connection: close</c>, so the server closes after answering.</param>
internal sealed record WireRequest(byte[] Bytes, bool IsHead, bool KeepAlive, bool AsksClose);
