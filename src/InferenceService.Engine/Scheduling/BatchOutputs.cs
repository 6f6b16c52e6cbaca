using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Scheduling;

/// <summary>
/// The output tensors of one Run, shared by the requests of its batch. Each request's result holds one reference;
/// the tensors are released when the last one is dropped, so no request's rows are copied out of the batch.
/// </summary>
internal sealed class BatchOutputs
{
    private readonly OrtValue[] _values;
    private int _references;

    public BatchOutputs(OrtValue[] values, int references)
    {
        _values = values;
        _references = references;
    }

    /// <summary>One request's reference: disposing it drops the reference (once, however often it is disposed).</summary>
    public IDisposable Reference() => new Holder(this);

    /// <summary>Releases the tensors now, for a batch whose results were never handed out.</summary>
    public void ReleaseAll()
    {
        Interlocked.Exchange(ref _references, 0);
        DisposeValues();
    }

    private void Drop()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            DisposeValues();
        }
    }

    private void DisposeValues()
    {
        foreach (var value in _values)
        {
            value.Dispose();
        }
    }

    private sealed class Holder(BatchOutputs outputs) : IDisposable
    {
        private BatchOutputs? _outputs = outputs;

        public void Dispose() => Interlocked.Exchange(ref _outputs, null)?.Drop();
    }
}
