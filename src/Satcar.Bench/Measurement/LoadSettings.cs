namespace Satcar.Bench.Measurement;

/// <summary>How a run drives its target: ab's <c>-n -c -k -t -s</c>, plus an open-loop <c>--rate</c>.</summary>
internal sealed record LoadSettings
{
    /// <summary>ab's request cap when only <c>-t</c> is given (<c>MAX_REQUESTS</c> in ab.c).</summary>
    public const int TimeLimitedRequests = 50_000;

    private const double TimeoutChecksPerTimeout = 20;
    private const double MinTimeoutCheckMilliseconds = 5;
    private const double MaxTimeoutCheckMilliseconds = 200;

    public int Requests { get; init; } = 1;

    public int Concurrency { get; init; } = 1;

    public bool KeepAlive { get; init; }

    public TimeSpan? TimeLimit { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests per second for an open-loop run, or null for ab's closed loop.</summary>
    public double? Rate { get; init; }

    /// <summary>Requests sent before the measured ones, to warm the JIT and the connections; not recorded.</summary>
    public int Warmup { get; init; }

    public bool Insecure { get; init; }

    /// <summary>The measuring client; the command line leaves it to <see cref="ClientEngine.Auto"/>, tests pin one.</summary>
    public ClientEngine Engine { get; init; }

    /// <summary>
    /// How often the <c>-s</c> deadlines of the requests in flight are checked: a twentieth of <c>-s</c>, between 5
    /// and 200 ms, so a request times out at most that much after its limit without a timer per request.
    /// </summary>
    public TimeSpan TimeoutCheckPeriod =>
        TimeSpan.FromMilliseconds(Math.Clamp(Timeout.TotalMilliseconds / TimeoutChecksPerTimeout, MinTimeoutCheckMilliseconds, MaxTimeoutCheckMilliseconds));

    /// <summary>
    /// The engine a run against <paramref name="url"/> uses. Epoll serves closed-loop http runs on Linux (it has no TLS
    /// and no pacer); everything else runs on the async engine. Pinning epoll for a run it cannot serve is an error.
    /// </summary>
    public ClientEngine EngineFor(Uri url)
    {
        var epollFits = OperatingSystem.IsLinux() && Rate is null && url.Scheme == Uri.UriSchemeHttp;
        return Engine switch
        {
            ClientEngine.Async => ClientEngine.Async,
            ClientEngine.Epoll when !epollFits => throw new ArgumentException("the epoll engine runs closed-loop http runs on Linux only", nameof(url)),
            _ => epollFits ? ClientEngine.Epoll : ClientEngine.Async,
        };
    }

    /// <summary>
    /// The requests a run is bounded to: <c>-n</c>; with only <c>-t</c>, ab's 50,000 cap in a closed loop, or the
    /// requests due within the time limit at the given rate.
    /// </summary>
    public static int EffectiveRequests(int? requests, TimeSpan? timeLimit, double? rate)
    {
        if (rate is { } perSecond && timeLimit is { } limit)
        {
            var due = RateSchedule.RequestsWithin(perSecond, limit);
            return requests is { } n ? Math.Min(n, due) : due;
        }

        return requests ?? (timeLimit is null ? 1 : TimeLimitedRequests);
    }
}
