using Satcar.Bench.Measurement;

namespace Satcar.Tests.Bench;

public sealed class RateScheduleTests
{
    [Fact]
    public void Request_i_is_due_i_over_rate_seconds_after_the_start()
    {
        var schedule = new RateSchedule(1000, 1_000_000_000);
        Assert.Equal(0, schedule.DueOffset(0));
        Assert.Equal(1_000_000, schedule.DueOffset(1));
        Assert.Equal(2_500_000_000, schedule.DueOffset(2500));
        Assert.Equal(1_000_000, schedule.IntervalTicks);
    }

    [Fact]
    public void Fractional_rates_do_not_accumulate_rounding_error()
    {
        var schedule = new RateSchedule(3, 1_000_000_000);
        Assert.Equal(333_333_333, schedule.DueOffset(1));
        Assert.Equal(666_666_667, schedule.DueOffset(2));
        Assert.Equal(1_000_000_000, schedule.DueOffset(3));
        Assert.Equal(1_000_000_000_000, schedule.DueOffset(3000));
    }

    [Fact]
    public void Lateness_is_more_than_one_millisecond_behind_schedule()
    {
        var schedule = new RateSchedule(100, 1_000_000_000);
        Assert.False(schedule.IsLate(0));
        Assert.False(schedule.IsLate(1_000_000));
        Assert.True(schedule.IsLate(1_000_001));
    }

    [Theory]
    [InlineData(10, 1.0, 10)]
    [InlineData(2.5, 1.0, 3)]
    [InlineData(3, 1.0, 3)]
    [InlineData(1000, 0.0005, 1)]
    [InlineData(1000, 60, 60_000)]
    public void A_time_limit_bounds_the_requests_due_before_it(double rate, double seconds, int expected)
    {
        Assert.Equal(expected, RateSchedule.RequestsWithin(rate, TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Effective_request_count_follows_ab_and_the_rate()
    {
        Assert.Equal(1, LoadSettings.EffectiveRequests(null, null, null));
        Assert.Equal(200, LoadSettings.EffectiveRequests(200, null, null));
        Assert.Equal(50_000, LoadSettings.EffectiveRequests(null, TimeSpan.FromSeconds(10), null));
        Assert.Equal(200, LoadSettings.EffectiveRequests(200, TimeSpan.FromSeconds(10), null));
        Assert.Equal(5_000, LoadSettings.EffectiveRequests(null, TimeSpan.FromSeconds(10), 500));
        Assert.Equal(200, LoadSettings.EffectiveRequests(200, TimeSpan.FromSeconds(10), 500));
        Assert.Equal(200, LoadSettings.EffectiveRequests(200, null, 500));
    }
}
