namespace Satcar.Runtime.State;

/// <summary>
/// The concurrency rule every built-in store applies (https://docs.dapr.io/developing-applications/building-blocks/state-management/state-management-overview/#concurrency):
/// a request that carries an ETag succeeds only if it equals the stored one (a missing key matches
/// no ETag); a first-write request without an ETag succeeds only if the key does not exist yet;
/// anything else is last-write-wins.
/// </summary>
public static class StateETagRules
{
    /// <summary>Throws <see cref="StateETagMismatchException"/> unless a write may replace <paramref name="currentETag"/> (null when the key is missing).</summary>
    public static void CheckWrite(string? currentETag, string? requestETag, StateConcurrency concurrency)
    {
        if (requestETag is not null)
        {
            if (!string.Equals(currentETag, requestETag, StringComparison.Ordinal))
            {
                throw new StateETagMismatchException();
            }
        }
        else if (concurrency == StateConcurrency.FirstWrite && currentETag is not null)
        {
            throw new StateETagMismatchException();
        }
    }

    /// <summary>Throws <see cref="StateETagMismatchException"/> unless a delete may remove <paramref name="currentETag"/>; without an ETag a delete always proceeds.</summary>
    public static void CheckDelete(string? currentETag, string? requestETag) =>
        CheckWrite(currentETag, requestETag, StateConcurrency.LastWrite);
}
