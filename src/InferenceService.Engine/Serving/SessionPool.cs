using System.Threading.Channels;
using InferenceService.OnnxRuntime;

namespace InferenceService.Engine.Serving;

/// <summary>
/// The ONNX Runtime sessions of one loaded model version (its <c>instance_group</c> count). Each session runs one
/// request at a time, so the number of concurrent runs of a version is bounded by the number of instances, and
/// each instance's intra-op threads can be sized to the cores without oversubscribing them. A request takes whichever
/// instance is free first; when none is, it waits (first come, first served) until one is returned.
/// </summary>
public sealed class SessionPool : IDisposable
{
    private readonly InferenceSession[] _sessions;
    private readonly Channel<InferenceSession> _free;

    public SessionPool(IReadOnlyList<InferenceSession> sessions)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sessions.Count);
        _sessions = [.. sessions];
        _free = Channel.CreateBounded<InferenceSession>(new BoundedChannelOptions(_sessions.Length) { SingleReader = false, SingleWriter = false });
        foreach (var session in _sessions)
        {
            _free.Writer.TryWrite(session);
        }
    }

    /// <summary>All instances (for metadata and warm-up); use <see cref="RentAsync"/> to run.</summary>
    public IReadOnlyList<InferenceSession> Sessions => _sessions;

    public int Count => _sessions.Length;

    /// <summary>Waits for a free instance. Dispose the lease to give it back.</summary>
    public async ValueTask<Lease> RentAsync(CancellationToken cancellationToken)
    {
        var session = await _free.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new Lease(this, session);
    }

    /// <summary>Releases every session. Call only once no request can rent one (the version was swapped out and drained).</summary>
    public void Dispose()
    {
        _free.Writer.TryComplete();
        foreach (var session in _sessions)
        {
            session.Dispose();
        }
    }

    /// <summary>One rented instance; returning it twice is harmless.</summary>
    public struct Lease : IDisposable
    {
        private SessionPool? _pool;

        internal Lease(SessionPool pool, InferenceSession session)
        {
            _pool = pool;
            Session = session;
        }

        public InferenceSession Session { get; }

        public void Dispose()
        {
            _pool?._free.Writer.TryWrite(Session);
            _pool = null;
        }
    }
}
