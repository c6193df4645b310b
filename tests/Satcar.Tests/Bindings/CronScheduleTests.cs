using System.Globalization;
using Satcar.Components.Bindings.Cron;

namespace Satcar.Tests.Bindings;

/// <summary>The cron parser and next-fire computation, on known dates (UTC unless the test names a zone).</summary>
public sealed class CronScheduleTests
{
    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static CronSchedule Parse(string text)
    {
        Assert.True(CronSchedule.TryParse(text, out var schedule, out var error), $"'{text}' did not parse: {error}");
        return schedule;
    }

    private static DateTimeOffset? Next(string schedule, string after, TimeZoneInfo? zone = null) =>
        Parse(schedule).Next(At(after), zone ?? TimeZoneInfo.Utc);

    [Theory]
    [InlineData("*/15 * * * * *", "2024-03-01T10:00:07Z", "2024-03-01T10:00:15Z")]
    [InlineData("*/15 * * * * *", "2024-03-01T10:00:45Z", "2024-03-01T10:01:00Z")]
    [InlineData("* * * * * *", "2024-03-01T10:00:07.5Z", "2024-03-01T10:00:08Z")]
    [InlineData("0 * * * * *", "2024-03-01T10:00:00Z", "2024-03-01T10:01:00Z")]
    [InlineData("30 9 * * 1-5", "2024-03-01T10:00:00Z", "2024-03-04T09:30:00Z")]
    [InlineData("30 9 * * 1-5", "2024-03-04T09:29:59Z", "2024-03-04T09:30:00Z")]
    [InlineData("0 0 1 * *", "2024-12-15T00:00:00Z", "2025-01-01T00:00:00Z")]
    [InlineData("0 5/20 * * * *", "2024-03-01T10:06:00Z", "2024-03-01T10:25:00Z")]
    [InlineData("0 0 9-17/4 * * *", "2024-03-01T13:00:00Z", "2024-03-01T17:00:00Z")]
    [InlineData("0 0 9-17/4 * * *", "2024-03-01T17:00:00Z", "2024-03-02T09:00:00Z")]
    [InlineData("0 0 12 * JAN,jul MON", "2024-03-01T00:00:00Z", "2024-07-01T12:00:00Z")]
    [InlineData("0 0 12 ? * sun", "2024-03-01T00:00:00Z", "2024-03-03T12:00:00Z")]
    [InlineData("0 0 0 29 2 *", "2025-03-01T00:00:00Z", "2028-02-29T00:00:00Z")]
    [InlineData("0 0 1,15 * *", "2024-03-02T00:00:00Z", "2024-03-15T00:00:00Z")]
    [InlineData("59 23 31 12 *", "2024-06-01T00:00:00Z", "2024-12-31T23:59:00Z")]
    public void Field_schedules_fire_at_the_next_matching_second(string schedule, string after, string expected) =>
        Assert.Equal(At(expected), Next(schedule, after));

    [Theory]
    // Both day fields restricted: either may match (the 13th, or a Friday).
    [InlineData("0 0 0 13 * 5", "2024-09-01T00:00:00Z", "2024-09-06T00:00:00Z")]
    [InlineData("0 0 0 13 * 5", "2024-09-07T00:00:00Z", "2024-09-13T00:00:00Z")]
    // Day of week '?' or '*': only the 13th.
    [InlineData("0 0 0 13 * ?", "2024-09-01T00:00:00Z", "2024-09-13T00:00:00Z")]
    [InlineData("0 0 0 13 * *", "2024-09-01T00:00:00Z", "2024-09-13T00:00:00Z")]
    // Day of month '*': only Fridays.
    [InlineData("0 0 0 * * 5", "2024-09-01T00:00:00Z", "2024-09-06T00:00:00Z")]
    // A step above 1 is a restriction, not a star: the 1st, 3rd, … or a Friday.
    [InlineData("0 0 0 */2 * 5", "2024-09-01T12:00:00Z", "2024-09-03T00:00:00Z")]
    public void Day_of_month_and_day_of_week_combine_as_robfig_cron_does(string schedule, string after, string expected) =>
        Assert.Equal(At(expected), Next(schedule, after));

    [Theory]
    [InlineData("@hourly", "2024-03-01T10:20:00Z", "2024-03-01T11:00:00Z")]
    [InlineData("@daily", "2024-03-01T10:20:00Z", "2024-03-02T00:00:00Z")]
    [InlineData("@midnight", "2024-03-01T10:20:00Z", "2024-03-02T00:00:00Z")]
    [InlineData("@weekly", "2024-03-01T10:20:00Z", "2024-03-03T00:00:00Z")]
    [InlineData("@monthly", "2024-03-01T10:20:00Z", "2024-04-01T00:00:00Z")]
    [InlineData("@yearly", "2024-03-01T10:20:00Z", "2025-01-01T00:00:00Z")]
    [InlineData("@annually", "2024-03-01T10:20:00Z", "2025-01-01T00:00:00Z")]
    [InlineData("@every 10s", "2024-03-01T10:00:07.5Z", "2024-03-01T10:00:17Z")]
    [InlineData("@every 1m30s", "2024-03-01T10:00:00Z", "2024-03-01T10:01:30Z")]
    [InlineData("@every 2h", "2024-03-01T23:00:00Z", "2024-03-02T01:00:00Z")]
    [InlineData("@every 1500ms", "2024-03-01T10:00:00Z", "2024-03-01T10:00:01Z")]
    [InlineData("@every 100ms", "2024-03-01T10:00:00Z", "2024-03-01T10:00:01Z")]
    public void Descriptors_fire_as_their_cron_equivalents(string schedule, string after, string expected) =>
        Assert.Equal(At(expected), Next(schedule, after));

    [Fact]
    public void Every_keeps_whole_seconds_only()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), Parse("@every 1500ms").Every);
        Assert.Equal(TimeSpan.FromSeconds(90), Parse("@every 1m30s").Every);
        Assert.Null(Parse("* * * * *").Every);
    }

    [Fact]
    public void A_schedule_that_never_matches_a_date_has_no_next_time() =>
        Assert.Null(Next("0 0 0 30 2 *", "2024-01-01T00:00:00Z"));

    [Fact]
    public void A_five_field_schedule_fires_at_second_zero()
    {
        Assert.Equal(At("2024-03-01T10:01:00Z"), Next("* * * * *", "2024-03-01T10:00:00Z"));
        Assert.Equal(At("2024-03-01T10:00:01Z"), Next("* * * * * *", "2024-03-01T10:00:00Z"));
    }

    [Fact]
    public void Local_time_is_the_given_zone_and_a_time_zone_prefix_overrides_it()
    {
        var plusTwo = TimeZoneInfo.CreateCustomTimeZone("Test/PlusTwo", TimeSpan.FromHours(2), "Test/PlusTwo", "Test/PlusTwo");
        Assert.Equal(At("2024-03-01T07:00:00Z"), Next("0 9 * * *", "2024-03-01T00:00:00Z", plusTwo));
        Assert.Equal(At("2024-03-01T09:00:00Z"), Next("CRON_TZ=UTC 0 9 * * *", "2024-03-01T00:00:00Z", plusTwo));
        Assert.Equal(At("2024-03-01T09:00:00Z"), Next("TZ=UTC 0 9 * * *", "2024-03-01T00:00:00Z", plusTwo));
        Assert.Equal("UTC", Parse("CRON_TZ=UTC @hourly").Zone!.Id);
        Assert.Null(Parse("@hourly").Zone);
    }

    /// <summary>A zone with US daylight-saving rules (UTC-5, UTC-4 from the 2nd Sunday of March to the 1st Sunday of November).</summary>
    private static TimeZoneInfo Eastern()
    {
        var start = TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 3, 2, DayOfWeek.Sunday);
        var end = TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 11, 1, DayOfWeek.Sunday);
        var rule = TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(new DateTime(2000, 1, 1), new DateTime(2099, 12, 31), TimeSpan.FromHours(1), start, end);
        return TimeZoneInfo.CreateCustomTimeZone("Test/Eastern", TimeSpan.FromHours(-5), "Test/Eastern", "EST", "EDT", [rule]);
    }

    [Fact]
    public void A_wall_clock_time_skipped_by_daylight_saving_does_not_fire()
    {
        // 2024-03-10: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist that day.
        Assert.Equal(At("2024-03-11T06:30:00Z"), Next("0 30 2 * * *", "2024-03-10T05:00:00Z", Eastern()));
        Assert.Equal(At("2024-03-10T07:00:00Z"), Next("0 0 3 * * *", "2024-03-10T05:00:00Z", Eastern()));
        Assert.Equal(At("2024-03-10T07:00:00Z"), Next("0 */30 * * * *", "2024-03-10T06:30:00Z", Eastern()));
    }

    [Fact]
    public void A_wall_clock_time_repeated_by_daylight_saving_fires_once()
    {
        // 2024-11-03: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice (05:30Z and 06:30Z).
        var first = Next("0 30 1 * * *", "2024-11-03T04:00:00Z", Eastern());
        Assert.Equal(At("2024-11-03T05:30:00Z"), first);
        Assert.Equal(At("2024-11-04T06:30:00Z"), Parse("0 30 1 * * *").Next(first!.Value, Eastern()));

        // Starting inside the second pass, the later occurrence is still ahead.
        Assert.Equal(At("2024-11-03T06:30:00Z"), Next("0 30 1 * * *", "2024-11-03T06:10:00Z", Eastern()));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("* * * *", "found 4")]
    [InlineData("* * * * * * *", "found 7")]
    [InlineData("61 * * * *", "minute '61' outside 0-59")]
    [InlineData("0 0 24 * * *", "hour '24' outside 0-23")]
    [InlineData("0 0 0 0 * *", "day of month '0' outside 1-31")]
    [InlineData("0 0 0 * 13 *", "month '13' outside 1-12")]
    [InlineData("* * * * 7", "day of week '7' outside 0-6")]
    [InlineData("*/0 * * * *", "invalid step '0'")]
    [InlineData("5-1 * * * *", "start is after its end")]
    [InlineData("a * * * *", "invalid minute 'a'")]
    [InlineData("1-2-3 * * * *", "too many hyphens")]
    [InlineData("1/2/3 * * * *", "too many slashes")]
    [InlineData("1,,2 * * * *", "invalid minute ''")]
    [InlineData("-1 * * * *", "invalid minute ''")]
    [InlineData("* * * FOO *", "invalid month 'FOO'")]
    [InlineData("@often", "unknown descriptor '@often'")]
    [InlineData("@every soon", "invalid @every duration 'soon'")]
    [InlineData("CRON_TZ=Nowhere/Atlantis * * * * *", "unknown time zone 'Nowhere/Atlantis'")]
    [InlineData("CRON_TZ=UTC", "no schedule")]
    public void Invalid_schedules_are_refused_with_the_reason(string schedule, string reason)
    {
        Assert.False(CronSchedule.TryParse(schedule, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_time_is_formatted_as_go_prints_a_utc_time()
    {
        Assert.Equal("2024-03-01 10:00:15 +0000 UTC", CronBinding.GoTimeString(At("2024-03-01T10:00:15Z")));
        Assert.Equal("2024-03-01 10:00:15.12345 +0000 UTC", CronBinding.GoTimeString(At("2024-03-01T10:00:15.1234500Z")));
        Assert.Equal("2024-03-01 10:00:15 +0000 UTC", CronBinding.GoTimeString(new DateTimeOffset(2024, 3, 1, 12, 0, 15, TimeSpan.FromHours(2))));
    }
}
