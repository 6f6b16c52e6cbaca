using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Tensors;
using InferenceService.Engine.Onnx;

namespace InferenceService.Engine.Serving;

/// <summary>
/// Runs decoded inputs through a loaded model: checks them against the model's own metadata (every name, type and
/// shape, and the batch size, before anything is queued), then hands them to the model version's scheduler, which
/// queues, batches and runs them.
/// </summary>
public sealed class InferencePipeline
{
    /// <param name="model">The resolved model version.</param>
    /// <param name="inputs">Every input of the model, once each. Still owned by the caller (who disposes them once this completes).</param>
    /// <param name="outputNames">The outputs wanted; null or empty: all of them, in the model's order.</param>
    /// <param name="cancellationToken">Removes the request from the queue; stops its Run only when it runs alone.</param>
    /// <param name="queueTimeout">A shorter queue timeout than the model's, honoured when the model allows overrides.</param>
    public Task<InferenceResult> InferAsync(
        LoadedModel model,
        IReadOnlyList<InputTensor> inputs,
        IReadOnlyList<string>? outputNames,
        CancellationToken cancellationToken,
        TimeSpan? queueTimeout = null)
    {
        var ordered = CheckInputs(model, inputs);
        var rows = BatchRows(model, ordered);
        var outputs = ResolveOutputs(model, outputNames);
        var outputIndices = outputs.Select(o => model.Sessions.Sessions[0].GetOutputIndex(o.Name)).ToArray();
        return model.Scheduler.Enqueue(new QueuedRequest(ordered, outputIndices, outputs, rows, cancellationToken), queueTimeout);
    }

    /// <summary>
    /// The request's rows along the batch dimension: the first dimension, the same for every input, when the model
    /// declares <c>max_batch_size</c>; 1 otherwise. A request larger than the model's batch limit is refused.
    /// </summary>
    private static int BatchRows(LoadedModel model, InputTensor[] inputs)
    {
        var maxBatchSize = model.Config.MaxBatchSize;
        if (maxBatchSize == 0)
        {
            return 1;
        }
        var rows = inputs[0].Shape[0];
        if (inputs.Any(i => i.Shape[0] != rows))
        {
            throw InferenceException.InvalidInput(
                $"The inputs disagree on the batch size (their first dimension): {string.Join(", ", inputs.Select(i => $"'{i.Name}' has {i.Shape[0]}"))}.");
        }
        if (rows > maxBatchSize)
        {
            throw InferenceException.InvalidInput($"The request holds a batch of {rows} rows, more than model '{model.Name}' takes at once (max_batch_size {maxBatchSize}); split it.");
        }
        return (int)rows;
    }

    /// <summary>
    /// Every input present exactly once, each of the right type and shape; all problems in one message. Returns the
    /// inputs in the model's order.
    /// </summary>
    private static InputTensor[] CheckInputs(LoadedModel model, IReadOnlyList<InputTensor> inputs)
    {
        var problems = new List<string>();
        var ordered = new InputTensor[model.Inputs.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            var expected = model.FindInput(input.Name);
            if (expected is null)
            {
                problems.Add($"Model '{model.Name}' has no input named '{input.Name}' (its inputs: {string.Join(", ", model.Inputs.Select(x => x.Name))}).");
                continue;
            }
            if (!seen.Add(input.Name))
            {
                problems.Add($"Input '{input.Name}' is given more than once.");
                continue;
            }
            ordered[model.Sessions.Sessions[0].GetInputIndex(input.Name)] = input;
            try
            {
                TensorValidator.Validate(expected, input.ElementType, input.Shape);
            }
            catch (InferenceException e)
            {
                problems.Add(e.Message);
            }
        }
        foreach (var missing in model.Inputs.Where(x => !seen.Contains(x.Name)))
        {
            problems.Add($"Input '{missing.Name}' is missing.");
        }
        if (problems.Count > 0)
        {
            throw InferenceException.InvalidInput(string.Join(" ", problems.Distinct()));
        }
        return ordered;
    }

    private static IReadOnlyList<TensorInfo> ResolveOutputs(LoadedModel model, IReadOnlyList<string>? outputNames)
    {
        if (outputNames is not { Count: > 0 })
        {
            return model.Outputs;
        }
        var result = new List<TensorInfo>(outputNames.Count);
        foreach (var name in outputNames)
        {
            var output = model.FindOutput(name)
                ?? throw InferenceException.InvalidInput($"Model '{model.Name}' has no output named '{name}' (its outputs: {string.Join(", ", model.Outputs.Select(o => o.Name))}).");
            if (result.Contains(output))
            {
                throw InferenceException.InvalidInput($"Output '{name}' is requested more than once.");
            }
            result.Add(output);
        }
        return result;
    }
}
