using Satcar.Runtime.AppChannel;

namespace Satcar.Runtime.Health;

/// <summary>
/// What <c>/v1.0/healthz</c> and <c>/v1.0/healthz/outbound</c> report, following daprd: outbound is
/// ready once the components are loaded and name resolution has started (this satcar is registered
/// and can find others); full readiness also waits for the app to accept connections.
/// </summary>
public sealed class RuntimeReadiness(AppReadiness app)
{
    private volatile bool _componentsReady;
    private volatile bool _nameResolutionReady;

    /// <summary>True when calls that leave the satcar (state, other apps) can be served.</summary>
    public bool OutboundReady => _componentsReady && _nameResolutionReady;

    /// <summary>Marks the components as loaded; called once, after every component finished its init.</summary>
    public void MarkComponentsReady() => _componentsReady = true;

    /// <summary>Marks name resolution as started (or as not needed, without peers).</summary>
    public void MarkNameResolutionReady() => _nameResolutionReady = true;

    /// <summary>The readiness targets that are not ready yet (empty when ready), named as daprd names them.</summary>
    public IReadOnlyList<string> PendingTargets()
    {
        var pending = new List<string>(2);
        if (!_componentsReady)
        {
            pending.Add("components");
        }

        if (!_nameResolutionReady)
        {
            pending.Add("nameresolution");
        }

        if (!app.IsReachable)
        {
            pending.Add("app");
        }

        return pending;
    }
}
