using System.Globalization;
using Satcar.Runtime.Components;

namespace Satcar.Components.Bindings.Cron;

/// <summary>
/// A cron schedule with the rules of the parser daprd's cron binding uses (dapr/kit's fork of
/// robfig/cron v3, <c>SecondOptional | Minute | Hour | Dom | Month | Dow | Descriptor</c>):
/// <list type="bullet">
/// <item>five fields (minute hour day-of-month month day-of-week) or six with seconds first;</item>
/// <item>each field a list of <c>*</c>, <c>?</c>, <c>n</c>, <c>a-b</c>, with an optional <c>/step</c>
/// (<c>n/step</c> runs from n to the field's maximum); months <c>JAN</c>–<c>DEC</c>, days <c>SUN</c>–<c>SAT</c>
/// in any case; day of week 0–6 with Sunday 0;</item>
/// <item>when day-of-month or day-of-week starts with <c>*</c> or <c>?</c> (and has no step above 1) both
/// must match, otherwise either may;</item>
/// <item>descriptors <c>@yearly</c>/<c>@annually</c>, <c>@monthly</c>, <c>@weekly</c>, <c>@daily</c>/<c>@midnight</c>,
/// <c>@hourly</c> and <c>@every &lt;duration&gt;</c> (whole seconds, at least one);</item>
/// <item>an optional <c>CRON_TZ=&lt;zone&gt;</c> or <c>TZ=&lt;zone&gt;</c> prefix; otherwise the local time zone.</item>
/// </list>
/// </summary>
internal sealed class CronSchedule
{
    private const ulong StarBit = 1UL << 63;

    private static readonly Field s_seconds = new("second", 0, 59, null);
    private static readonly Field s_minutes = new("minute", 0, 59, null);
    private static readonly Field s_hours = new("hour", 0, 23, null);
    private static readonly Field s_daysOfMonth = new("day of month", 1, 31, null);

    private static readonly Field s_months = new("month", 1, 12, new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
    {
        ["jan"] = 1, ["feb"] = 2, ["mar"] = 3, ["apr"] = 4, ["may"] = 5, ["jun"] = 6,
        ["jul"] = 7, ["aug"] = 8, ["sep"] = 9, ["oct"] = 10, ["nov"] = 11, ["dec"] = 12,
    });

    private static readonly Field s_daysOfWeek = new("day of week", 0, 6, new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
    {
        ["sun"] = 0, ["mon"] = 1, ["tue"] = 2, ["wed"] = 3, ["thu"] = 4, ["fri"] = 5, ["sat"] = 6,
    });

    private readonly ulong _seconds;
    private readonly ulong _minutes;
    private readonly ulong _hours;
    private readonly ulong _daysOfMonth;
    private readonly ulong _months;
    private readonly ulong _daysOfWeek;

    private CronSchedule(TimeZoneInfo? zone, TimeSpan? every, ulong[] fields)
    {
        Zone = zone;
        Every = every;
        if (fields.Length == 6)
        {
            (_seconds, _minutes, _hours, _daysOfMonth, _months, _daysOfWeek) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
        }
    }

    /// <summary>The zone from a <c>CRON_TZ=</c>/<c>TZ=</c> prefix; null for the local zone.</summary>
    public TimeZoneInfo? Zone { get; }

    /// <summary>The interval of an <c>@every</c> schedule, whole seconds; null for a field schedule.</summary>
    public TimeSpan? Every { get; }

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string text, out CronSchedule schedule, out string error)
    {
        schedule = null!;
        error = "";
        var spec = text.Trim();
        if (spec.Length == 0)
        {
            error = "is empty";
            return false;
        }

        TimeZoneInfo? zone = null;
        if (spec.StartsWith("TZ=", StringComparison.Ordinal) || spec.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = spec.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0)
            {
                error = "has a time zone but no schedule";
                return false;
            }

            var zoneName = spec[(spec.IndexOf('=', StringComparison.Ordinal) + 1)..space];
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(zoneName);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                error = $"names an unknown time zone '{zoneName}'";
                return false;
            }

            spec = spec[(space + 1)..].Trim();
        }

        if (spec.StartsWith('@'))
        {
            return TryParseDescriptor(spec, zone, out schedule, out error);
        }

        var parts = spec.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is not (5 or 6))
        {
            error = $"must have 5 fields (minute hour day-of-month month day-of-week) or 6 (with seconds first), found {parts.Length}";
            return false;
        }

        if (parts.Length == 5)
        {
            parts = ["0", .. parts];
        }

        Field[] fields = [s_seconds, s_minutes, s_hours, s_daysOfMonth, s_months, s_daysOfWeek];
        var bits = new ulong[6];
        for (var i = 0; i < 6; i++)
        {
            if (!TryParseField(parts[i], fields[i], out bits[i], out error))
            {
                return false;
            }
        }

        schedule = new CronSchedule(zone, null, bits);
        return true;
    }

    /// <summary>
    /// The first time strictly after <paramref name="after"/> that the schedule fires, in UTC; null when
    /// it fires on no date in the next five years (such as the 30th of February).
    /// </summary>
    /// <param name="after">The moment to start from.</param>
    /// <param name="localZone">The zone a schedule without a <c>CRON_TZ=</c> prefix runs in.</param>
    public DateTimeOffset? Next(DateTimeOffset after, TimeZoneInfo localZone)
    {
        if (Every is { } every)
        {
            // robfig's ConstantDelaySchedule: the interval from the start of the current second.
            var truncated = after.AddTicks(-(after.UtcTicks % TimeSpan.TicksPerSecond));
            return truncated.Add(every).ToUniversalTime();
        }

        var zone = Zone ?? localZone;
        var wall = TimeZoneInfo.ConvertTime(after, zone).DateTime;

        // A wall-clock time that falls in a daylight-saving gap does not exist and is skipped; one that
        // occurs twice fires at the first occurrence that is still after the starting moment.
        for (var attempt = 0; attempt < 64; attempt++)
        {
            if (NextWallTime(wall) is not { } candidate)
            {
                return null;
            }

            if (zone.IsInvalidTime(candidate))
            {
                // Go on from the first minute after the gap (gaps start and end on whole minutes).
                var resume = new DateTime(candidate.Ticks - (candidate.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Unspecified);
                for (var minutes = 0; minutes < 24 * 60 && zone.IsInvalidTime(resume); minutes++)
                {
                    resume = resume.AddMinutes(1);
                }

                wall = resume.AddSeconds(-1);
                continue;
            }

            TimeSpan[] offsets = zone.IsAmbiguousTime(candidate)
                ? [.. zone.GetAmbiguousTimeOffsets(candidate).OrderDescending()]
                : [zone.GetUtcOffset(candidate)];
            foreach (var offset in offsets)
            {
                var instant = new DateTimeOffset(candidate, offset);
                if (instant > after)
                {
                    return instant.ToUniversalTime();
                }
            }

            wall = candidate;
        }

        return null;
    }

    /// <summary>
    /// The next matching wall-clock time after <paramref name="from"/>, found as robfig's
    /// <c>SpecSchedule.Next</c> does: advance the largest field that does not match, reset the smaller
    /// ones the first time, and start over at the year when a field wraps.
    /// </summary>
    private DateTime? NextWallTime(DateTime from)
    {
        var t = new DateTime(from.Ticks - (from.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Unspecified).AddSeconds(1);
        var added = false;
        var yearLimit = t.Year + 5;

        while (true)
        {
            if (t.Year > yearLimit)
            {
                return null;
            }

            var wrapped = false;
            while (!Has(_months, t.Month))
            {
                if (!added)
                {
                    added = true;
                    t = new DateTime(t.Year, t.Month, 1);
                }

                t = t.AddMonths(1);
                if (t.Month == 1)
                {
                    wrapped = true;
                    break;
                }
            }

            if (wrapped)
            {
                continue;
            }

            while (!DayMatches(t))
            {
                if (!added)
                {
                    added = true;
                    t = t.Date;
                }

                t = t.AddDays(1);
                if (t.Day == 1)
                {
                    wrapped = true;
                    break;
                }
            }

            if (wrapped)
            {
                continue;
            }

            while (!Has(_hours, t.Hour))
            {
                if (!added)
                {
                    added = true;
                    t = new DateTime(t.Year, t.Month, t.Day, t.Hour, 0, 0);
                }

                t = t.AddHours(1);
                if (t.Hour == 0)
                {
                    wrapped = true;
                    break;
                }
            }

            if (wrapped)
            {
                continue;
            }

            while (!Has(_minutes, t.Minute))
            {
                if (!added)
                {
                    added = true;
                    t = new DateTime(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0);
                }

                t = t.AddMinutes(1);
                if (t.Minute == 0)
                {
                    wrapped = true;
                    break;
                }
            }

            if (wrapped)
            {
                continue;
            }

            while (!Has(_seconds, t.Second))
            {
                added = true;
                t = t.AddSeconds(1);
                if (t.Second == 0)
                {
                    wrapped = true;
                    break;
                }
            }

            if (!wrapped)
            {
                return t;
            }
        }
    }

    private bool DayMatches(DateTime t)
    {
        var dayOfMonth = Has(_daysOfMonth, t.Day);
        var dayOfWeek = Has(_daysOfWeek, (int)t.DayOfWeek);
        return (_daysOfMonth & StarBit) != 0 || (_daysOfWeek & StarBit) != 0
            ? dayOfMonth && dayOfWeek
            : dayOfMonth || dayOfWeek;
    }

    private static bool Has(ulong bits, int value) => (bits & (1UL << value)) != 0;

    private static bool TryParseDescriptor(string spec, TimeZoneInfo? zone, out CronSchedule schedule, out string error)
    {
        schedule = null!;
        error = "";
        const string EveryPrefix = "@every ";
        if (spec.StartsWith(EveryPrefix, StringComparison.Ordinal))
        {
            var text = spec[EveryPrefix.Length..].Trim();
            if (!GoDuration.TryParse(text, out var duration))
            {
                error = $"has an invalid @every duration '{text}' (use one such as '10s', '1m30s' or '2h')";
                return false;
            }

            // robfig rounds the interval down to whole seconds and runs at least once a second.
            var seconds = Math.Max(1, (long)duration.TotalSeconds);
            schedule = new CronSchedule(zone, TimeSpan.FromSeconds(seconds), []);
            return true;
        }

        string? fields = spec switch
        {
            "@yearly" or "@annually" => "0 0 0 1 1 *",
            "@monthly" => "0 0 0 1 * *",
            "@weekly" => "0 0 0 * * 0",
            "@daily" or "@midnight" => "0 0 0 * * *",
            "@hourly" => "0 0 * * * *",
            _ => null,
        };
        if (fields is null)
        {
            error = $"has an unknown descriptor '{spec}' (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every <duration>)";
            return false;
        }

        if (!TryParse(fields, out var parsed, out error))
        {
            return false;
        }

        schedule = new CronSchedule(zone, null, [parsed._seconds, parsed._minutes, parsed._hours, parsed._daysOfMonth, parsed._months, parsed._daysOfWeek]);
        return true;
    }

    private static bool TryParseField(string text, Field field, out ulong bits, out string error)
    {
        bits = 0;
        foreach (var item in text.Split(','))
        {
            if (!TryParseRange(item, field, out var range, out error))
            {
                return false;
            }

            bits |= range;
        }

        error = "";
        return true;
    }

    private static bool TryParseRange(string expression, Field field, out ulong bits, out string error)
    {
        bits = 0;
        error = "";
        var rangeAndStep = expression.Split('/');
        if (rangeAndStep.Length > 2)
        {
            error = $"has too many slashes in {field.Name} '{expression}'";
            return false;
        }

        var lowAndHigh = rangeAndStep[0].Split('-');
        int start, end;
        ulong extra = 0;
        if (lowAndHigh[0] is "*" or "?")
        {
            if (lowAndHigh.Length > 1)
            {
                error = $"has a range starting with '{lowAndHigh[0]}' in {field.Name} '{expression}'";
                return false;
            }

            (start, end, extra) = (field.Min, field.Max, StarBit);
        }
        else
        {
            if (lowAndHigh.Length > 2)
            {
                error = $"has too many hyphens in {field.Name} '{expression}'";
                return false;
            }

            if (!TryParseValue(lowAndHigh[0], field, out start, out error))
            {
                return false;
            }

            end = start;
            if (lowAndHigh.Length == 2 && !TryParseValue(lowAndHigh[1], field, out end, out error))
            {
                return false;
            }
        }

        var step = 1;
        if (rangeAndStep.Length == 2)
        {
            if (!int.TryParse(rangeAndStep[1], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step <= 0)
            {
                error = $"has an invalid step '{rangeAndStep[1]}' in {field.Name} '{expression}' (a positive number)";
                return false;
            }

            // "n/step" means "n-max/step".
            if (lowAndHigh.Length == 1 && extra == 0)
            {
                end = field.Max;
            }

            if (step > 1)
            {
                extra = 0;
            }
        }

        if (start < field.Min || end > field.Max)
        {
            error = $"has {field.Name} '{expression}' outside {field.Min}-{field.Max}";
            return false;
        }

        if (start > end)
        {
            error = $"has a {field.Name} range '{expression}' whose start is after its end";
            return false;
        }

        for (var value = start; value <= end; value += step)
        {
            bits |= 1UL << value;
        }

        bits |= extra;
        return true;
    }

    private static bool TryParseValue(string text, Field field, out int value, out string error)
    {
        error = "";
        if (field.Names is not null && field.Names.TryGetValue(text, out value))
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        error = $"has an invalid {field.Name} '{text}'";
        return false;
    }

    private sealed record Field(string Name, int Min, int Max, IReadOnlyDictionary<string, int>? Names);
}
