using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Satcar.Components;
using Satcar.Components.Bindings.Cron;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Components;

namespace Satcar.Tests.Bindings;

/// <summary><c>bindings.cron</c> on a fake clock: when it fires, what it sends, how it stops.</summary>
public sealed class CronBindingTests
{
    private static readonly DateTimeOffset Start = new(2024, 3, 1, 10, 0, 7, TimeSpan.Zero);

    private static async Task<IInputBinding> CreateAsync(FakeTimeProvider time, string? schedule)
    {
        Assert.True(BuiltInComponents.CreateRegistry().TryGet("bindings.cron", "v1", out var registration));
        var binding = (IInputBinding)registration.Create(new ComponentContext
        {
            Name = "ticks",
            Type = "bindings.cron",
            AppId = "app",
            Logger = NullLogger.Instance,
            TimeProvider = time,
        });
        (string, string)[] metadata = schedule is null ? [] : [("schedule", schedule)];
        await binding.InitAsync(TestComponents.Metadata("ticks", "bindings.cron", metadata), CancellationToken.None);
        return binding;
    }

    private static async Task<BindingEvent> NextEventAsync(ChannelReader<BindingEvent> events) =>
        await events.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    [Fact]
    public async Task It_fires_on_schedule_with_an_empty_body_and_daprs_metadata()
    {
        var time = new FakeTimeProvider(Start);
        await using var binding = await CreateAsync(time, "*/15 * * * * *");
        var events = Channel.CreateUnbounded<BindingEvent>();
        using var stop = new CancellationTokenSource();
        var reading = binding.ReadAsync((e, _) => { events.Writer.TryWrite(e); return Task.FromResult(true); }, stop.Token);

        Assert.Equal(Start.AddSeconds(8), await time.WaitForTimerAsync());
        time.Advance(TimeSpan.FromSeconds(8));
        var first = await NextEventAsync(events.Reader);
        Assert.True(first.Data.IsEmpty);
        Assert.Equal("Local", first.Metadata["timeZone"]);
        Assert.Equal("2024-03-01 10:00:15 +0000 UTC", first.Metadata["readTimeUTC"]);

        Assert.Equal(Start.AddSeconds(23), await time.WaitForTimerAsync(after: Start.AddSeconds(8)));
        time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal("2024-03-01 10:00:30 +0000 UTC", (await NextEventAsync(events.Reader)).Metadata["readTimeUTC"]);

        await stop.CancelAsync();
        await reading.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_tick_the_app_does_not_take_is_skipped_and_the_schedule_goes_on()
    {
        var time = new FakeTimeProvider(Start);
        await using var binding = await CreateAsync(time, "@every 10s");
        var calls = Channel.CreateUnbounded<BindingEvent>();
        using var stop = new CancellationTokenSource();
        var reading = binding.ReadAsync((e, _) => { calls.Writer.TryWrite(e); return Task.FromResult(false); }, stop.Token);

        var due = await time.WaitForTimerAsync();
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 10, 0, 17, TimeSpan.Zero), due);
        time.Advance(due - time.GetUtcNow());
        await NextEventAsync(calls.Reader);

        var second = await time.WaitForTimerAsync(after: due);
        Assert.Equal(due.AddSeconds(10), second);
        time.Advance(second - time.GetUtcNow());
        await NextEventAsync(calls.Reader);

        await stop.CancelAsync();
        await reading.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Ticks_that_pass_during_a_slow_delivery_are_skipped()
    {
        var time = new FakeTimeProvider(Start);
        await using var binding = await CreateAsync(time, "* * * * * *");
        var calls = Channel.CreateUnbounded<DateTimeOffset>();
        using var stop = new CancellationTokenSource();
        var reading = binding.ReadAsync((_, _) =>
        {
            calls.Writer.TryWrite(time.GetUtcNow());
            // The delivery takes 5 s of (fake) time.
            time.Advance(TimeSpan.FromSeconds(5));
            return Task.FromResult(true);
        }, stop.Token);

        var due = await time.WaitForTimerAsync();
        time.Advance(due - time.GetUtcNow());
        Assert.Equal(Start.AddSeconds(1), await calls.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));

        // The next tick is the first one after the delivery ended, not the four it overran.
        var next = await time.WaitForTimerAsync(after: time.GetUtcNow());
        Assert.Equal(Start.AddSeconds(7), next);

        await stop.CancelAsync();
        await reading.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Disposing_the_binding_ends_reading()
    {
        var time = new FakeTimeProvider(Start);
        var binding = await CreateAsync(time, "@hourly");
        var reading = binding.ReadAsync((_, _) => Task.FromResult(true), CancellationToken.None);
        await time.WaitForTimerAsync();
        await binding.DisposeAsync();
        await reading.WaitAsync(TimeSpan.FromSeconds(10));
        await binding.DisposeAsync();
    }

    [Fact]
    public async Task A_far_schedule_waits_in_steps_of_an_hour_at_most()
    {
        var time = new FakeTimeProvider(Start);
        await using var binding = await CreateAsync(time, "@yearly");
        using var stop = new CancellationTokenSource();
        var reading = binding.ReadAsync((_, _) => Task.FromResult(true), stop.Token);
        Assert.Equal(Start.AddHours(1), await time.WaitForTimerAsync());
        await stop.CancelAsync();
        await reading.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(null, "metadata 'schedule' is required")]
    [InlineData("every minute", "metadata 'schedule' 'every minute'")]
    [InlineData("0 0 0 30 2 *", "never fires")]
    public async Task Bad_schedules_fail_init_and_name_the_key(string? schedule, string message)
    {
        var e = await Assert.ThrowsAsync<ComponentConfigurationException>(() => CreateAsync(new FakeTimeProvider(Start), schedule));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains("ticks", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_read_time_parses_back_to_the_tick()
    {
        var text = CronBinding.GoTimeString(Start);
        Assert.Equal(Start, DateTimeOffset.ParseExact(text.Replace(" +0000 UTC", "Z", StringComparison.Ordinal), "yyyy-MM-dd HH:mm:ssK", CultureInfo.InvariantCulture));
    }
}
