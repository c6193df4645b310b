namespace Satcar.Bench.Http1;

/// <summary>
/// The closed-loop run an <see cref="EpollLoop"/> serves: it hands out request numbers and takes back each finished
/// exchange, to turn it into a sample exactly as it does for the async engine.
/// </summary>
internal interface IClosedLoopRun
{
    /// <summary>Keep the next response's Server header (ab reports the first response's).</summary>
    bool CapturesServer { get; }

    /// <summary>Claims the next request of the run; false when every request has been claimed.</summary>
    bool TryClaim(out int request);

    /// <summary>
    /// Takes a finished exchange. <paramref name="start"/> is when the request began; <paramref name="timedOut"/>
    /// says <c>-s</c> ended it.
    /// </summary>
    void Finished(int request, long start, in Exchange exchange, ResponseParser parser, bool timedOut);
}
