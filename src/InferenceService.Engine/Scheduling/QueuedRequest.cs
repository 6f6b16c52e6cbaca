using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Engine.Onnx;

namespace InferenceService.Engine.Scheduling;

/// <summary>
/// One admitted request on its way through a scheduler: its inputs (in the model's input order, still owned by the
/// caller, who keeps them alive until the result's task completes), the outputs it wants, and its place in the queue.
/// The queue fields are guarded by the scheduler's lock.
/// </summary>
internal sealed class QueuedRequest(InputTensor[] inputs, int[] outputIndices, IReadOnlyList<TensorInfo> outputs, int rows, CancellationToken cancellationToken)
{
    public InputTensor[] Inputs { get; } = inputs;

    /// <summary>Positions in the model's outputs of the outputs wanted, in the order wanted.</summary>
    public int[] OutputIndices { get; } = outputIndices;

    public IReadOnlyList<TensorInfo> Outputs { get; } = outputs;

    /// <summary>Rows along the batch dimension (1 for a model without one).</summary>
    public int Rows { get; } = rows;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Its lane: online requests always go before batch-job requests.</summary>
    public RequestPriority Priority { get; init; } = RequestPriority.Online;

    public TaskCompletionSource<InferenceResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When it was admitted (a <see cref="TimeProvider"/> timestamp).</summary>
    public long Admitted { get; set; }

    /// <summary>Its node while it waits in the queue; null once it was taken or removed.</summary>
    public LinkedListNode<QueuedRequest>? Node { get; set; }

    /// <summary>Timed out under DELAY: it now waits behind every request that has not timed out.</summary>
    public bool Delayed { get; set; }

    public ITimer? Timeout { get; set; }

    public CancellationTokenRegistration Cancellation { get; set; }

    /// <summary>
    /// Whether the two can share one Run: the same outputs wanted, and every input of the same element type and the
    /// same shape apart from the batch dimension.
    /// </summary>
    public bool CanShareRunWith(QueuedRequest other)
    {
        if (!OutputIndices.AsSpan().SequenceEqual(other.OutputIndices))
        {
            return false;
        }
        for (var i = 0; i < Inputs.Length; i++)
        {
            var (mine, theirs) = (Inputs[i], other.Inputs[i]);
            if (mine.ElementType != theirs.ElementType || mine.Shape.Length != theirs.Shape.Length
                || (mine.Shape.Length > 0 && !mine.Shape.AsSpan(1).SequenceEqual(theirs.Shape.AsSpan(1))))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Stops its timeout timer and cancellation callback, without waiting for either to finish running.</summary>
    public void StopWatching()
    {
        Timeout?.Dispose();
        Cancellation.Unregister();
    }
}
