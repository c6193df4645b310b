using Satcar.Runtime.Bindings;
using Satcar.Runtime.PubSub;
using Satcar.Runtime.State;

namespace Satcar.Runtime.Components;

/// <summary>The capability names the metadata API reports for a component, as daprd names them.</summary>
public static class ComponentCapabilities
{
    /// <summary>
    /// The capabilities of <paramref name="component"/> as configured: a binding reports only the
    /// directions its <c>direction</c> metadata allows, as daprd initialises it only for those.
    /// </summary>
    public static IReadOnlyList<string> Of(IComponent component, ComponentMetadata metadata)
    {
        var names = new List<string>();
        if (component is IStateStore store)
        {
            names.AddRange(StateCapabilities.Of(store.Features));
        }

        if (component is IPubSub pubsub)
        {
            if (pubsub.Features.HasFlag(PubSubFeatures.MessageTtl))
            {
                names.Add("MESSAGE_TTL");
            }

            if (pubsub.Features.HasFlag(PubSubFeatures.SubscribeWildcards))
            {
                names.Add("SUBSCRIBE_WILDCARDS");
            }

            if (pubsub.Features.HasFlag(PubSubFeatures.BulkPublish))
            {
                names.Add("BULK_PUBSUB");
            }
        }

        if (component is IInputBinding && BindingDirection.AllowsInput(metadata))
        {
            names.Add("INPUT_BINDING");
        }

        if (component is IOutputBinding && BindingDirection.AllowsOutput(metadata))
        {
            names.Add("OUTPUT_BINDING");
        }

        return names;
    }
}
