namespace Satcar.Runtime.State;

/// <summary>The capability names the metadata API reports for a state store (daprd's <c>state.Feature</c> strings).</summary>
public static class StateCapabilities
{
    public static IReadOnlyList<string> Of(StateFeatures features)
    {
        var names = new List<string>();
        Add(StateFeatures.ETag, "ETAG");
        Add(StateFeatures.Transactional, "TRANSACTIONAL");
        Add(StateFeatures.QueryApi, "QUERY_API");
        Add(StateFeatures.Ttl, "TTL");
        Add(StateFeatures.DeleteWithPrefix, "DELETE_WITH_PREFIX");
        Add(StateFeatures.PartitionKey, "PARTITION_KEY");
        Add(StateFeatures.KeysLike, "KEYS_LIKE");

        // daprd reports a store as usable for actors when it has both ETags and transactions.
        if (features.HasFlag(StateFeatures.ETag) && features.HasFlag(StateFeatures.Transactional))
        {
            names.Add("ACTOR");
        }

        return names;

        void Add(StateFeatures feature, string name)
        {
            if (features.HasFlag(feature))
            {
                names.Add(name);
            }
        }
    }
}
