using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Lifecycle;

/// <summary>
/// The moves a model version's state may make (drawn on <see cref="ModelState"/>). <see cref="ModelLifecycle"/> is the
/// one owner of every version's state and checks each move here before publishing it, so a move the design does
/// not allow is a bug found at once rather than a state nobody expects.
/// </summary>
public static class VersionTransitions
{
    /// <summary>Whether a version may move from <paramref name="from"/> (null: not known yet) to <paramref name="to"/>.</summary>
    public static bool IsAllowed(ModelState? from, ModelState to) => (from, to) switch
    {
        (null, ModelState.Unloaded or ModelState.Loading or ModelState.Failed) => true, // found by a scan, or asked for
        (ModelState.Unloaded or ModelState.Failed, ModelState.Loading) => true,          // (re)load asked for
        (ModelState.Unloaded or ModelState.Failed, ModelState.Failed) => true,           // its configuration is invalid
        (ModelState.Loading, ModelState.Ready or ModelState.Failed) => true,             // built and warmed up, or not
        (ModelState.Ready, ModelState.Ready) => true,                                    // a reload swapped a successor in (or kept it)
        (ModelState.Ready, ModelState.Draining) => true,                                 // unload, eviction, dropped by the version policy
        (ModelState.Ready, ModelState.Unloaded) => true,                                 // evicted while idle: stopped, nothing to drain
        (ModelState.Draining, ModelState.Unloaded) => true,                              // no request left; sessions released
        (ModelState.Unloaded, ModelState.Unloaded) => true,
        (ModelState.Failed, ModelState.Unloaded) => true,                                // unload of a model that failed
        (ModelState.Loading, ModelState.Unloaded) => true,                               // the server stopped during the load
        _ => false,
    };

    /// <summary>Throws when the move is not allowed: the lifecycle would otherwise publish a state nobody expects.</summary>
    public static void Check(string model, long version, ModelState? from, ModelState to)
    {
        if (!IsAllowed(from, to))
        {
            throw new InvalidOperationException($"Model '{model}' version {version} cannot move from {from?.ToString() ?? "nothing"} to {to}.");
        }
    }
}
