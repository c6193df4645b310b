namespace Satcar.Bench.Measurement;

/// <summary>What became of one request slot of a run.</summary>
internal enum SampleOutcome : byte
{
    /// <summary>Never sent: the run stopped (time limit, Ctrl-C) before this request's turn.</summary>
    NotSent = 0,

    /// <summary>A complete response arrived (any status).</summary>
    Completed,

    /// <summary>No complete response; see <see cref="RequestSample.Failure"/>.</summary>
    Failed,

    /// <summary>In flight when the time limit or Ctrl-C ended the run; neither completed nor failed, as in ab.</summary>
    Abandoned,
}

/// <summary>
/// One request, in <see cref="System.Diagnostics.Stopwatch"/> ticks. The formulas are ab's (performance.md §3.1):
/// Connect = ctime, Processing = Total − Connect (dtime), Waiting = request written → first response byte (wait),
/// Total = done − start (ttime). With <c>--rate</c>, Start is the scheduled send time, so Total and Processing include
/// any delay in sending (no coordinated omission) and <see cref="SendLagTicks"/> says how large it was.
/// </summary>
internal struct RequestSample
{
    public SampleOutcome Outcome;
    public FailureReason Failure;
    public short Status;
    public bool ReusedConnection;

    /// <summary>The connection stayed open after the response (ab's "Keep-Alive requests" counts these).</summary>
    public bool KeptAlive;
    public long StartTimestamp;
    public long SendLagTicks;
    public long ConnectTicks;
    public long WaitTicks;
    public long TotalTicks;
    public long WireBytes;
    public long BodyBytes;

    public readonly long ProcessingTicks => TotalTicks - ConnectTicks;

    public readonly bool IsNon2xx => Outcome == SampleOutcome.Completed && Status is < 200 or > 299;
}
