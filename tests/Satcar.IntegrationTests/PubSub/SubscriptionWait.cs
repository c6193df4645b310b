using System.Text.Json;
using Satcar.Testing;

namespace Satcar.IntegrationTests.PubSub;

/// <summary>Waiting for a satcar's subscriptions, which start only once its app accepts connections.</summary>
internal static class SubscriptionWait
{
    /// <summary>Returns once <c>/v1.0/metadata</c> lists <paramref name="count"/> subscriptions; fails after 30 s with the satcar's output.</summary>
    public static async Task UntilStartedAsync(HttpClient client, SatcarProcess satcar, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var metadata = JsonDocument.Parse(await client.GetStringAsync("/v1.0/metadata"));
            if (metadata.RootElement.TryGetProperty("subscriptions", out var subscriptions) && subscriptions.GetArrayLength() == count)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"subscriptions did not start. Output:\n{satcar.Output}");
            await Task.Delay(100);
        }
    }
}
