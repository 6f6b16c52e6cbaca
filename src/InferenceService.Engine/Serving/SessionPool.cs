using InferenceService.Engine.Onnx;

namespace InferenceService.Engine.Serving;

/// <summary>
/// The ONNX Runtime sessions of one loaded model version (its <c>instance_group</c> count). Each is served by one
/// thread of the version's scheduler and runs one batch at a time, so each instance's intra-op threads can be sized
/// to the cores without oversubscribing them.
/// </summary>
public sealed class SessionPool : IDisposable
{
    private readonly OnnxSession[] _sessions;

    public SessionPool(IReadOnlyList<OnnxSession> sessions)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sessions.Count);
        _sessions = [.. sessions];
    }

    /// <summary>All instances.</summary>
    public IReadOnlyList<OnnxSession> Sessions => _sessions;

    public int Count => _sessions.Length;

    /// <summary>Releases every session. Call only once the scheduler has stopped running them.</summary>
    public void Dispose()
    {
        foreach (var session in _sessions)
        {
            session.Dispose();
        }
    }
}
