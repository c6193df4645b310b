namespace Satcar.Components.NameResolution.Consul;

/// <summary>Durations written the way Consul's API reads them.</summary>
internal static class ConsulDuration
{
    /// <summary>A Go duration string Consul accepts: <c>15s</c>, <c>1500ms</c>, <c>250us</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value.Ticks % TimeSpan.TicksPerSecond == 0)
        {
            return $"{value.Ticks / TimeSpan.TicksPerSecond}s";
        }

        if (value.Ticks % TimeSpan.TicksPerMillisecond == 0)
        {
            return $"{value.Ticks / TimeSpan.TicksPerMillisecond}ms";
        }

        return value.Ticks % TimeSpan.TicksPerMicrosecond == 0
            ? $"{value.Ticks / TimeSpan.TicksPerMicrosecond}us"
            : $"{value.Ticks * 100}ns";
    }

    /// <summary>The <c>wait</c> query value the Go client writes: whole milliseconds, at least 1 for a positive duration.</summary>
    public static string ToMilliseconds(TimeSpan value)
    {
        var ms = (long)value.TotalMilliseconds;
        if (value > TimeSpan.Zero && ms == 0)
        {
            ms = 1;
        }

        return $"{ms}ms";
    }

}
