using InferenceService.Engine.Tensors;
using InferenceService.OnnxRuntime;

namespace InferenceService.Engine.Serving;

/// <summary>
/// Runs decoded inputs through a loaded model: checks them against the model's own metadata (every name, type and
/// shape, before anything runs), wraps their pooled buffers as ONNX Runtime tensors without copying, takes a free
/// session instance and runs it.
/// </summary>
public sealed class InferencePipeline(TimeProvider time)
{
    /// <param name="model">The resolved model version.</param>
    /// <param name="inputs">Every input of the model, once each. Still owned by the caller (who disposes them afterwards).</param>
    /// <param name="outputNames">The outputs wanted; null or empty: all of them, in the model's order.</param>
    /// <param name="cancellationToken">Cancels the wait for an instance and terminates a run in progress.</param>
    public async Task<InferenceResult> InferAsync(
        LoadedModel model,
        IReadOnlyList<InputTensor> inputs,
        IReadOnlyList<string>? outputNames,
        CancellationToken cancellationToken)
    {
        var inputIndices = CheckInputs(model, inputs);
        var outputs = ResolveOutputs(model, outputNames);
        var outputIndices = outputs.Select(o => model.Sessions.Sessions[0].GetOutputIndex(o.Name)).ToArray();

        var values = new OrtValue[inputs.Count];
        Interlocked.Increment(ref model._inFlight);
        try
        {
            for (var i = 0; i < inputs.Count; i++)
            {
                values[i] = inputs[i].CreateOrtValue();
            }

            var queued = time.GetTimestamp();
            Interlocked.Increment(ref model._queueDepth);
            SessionPool.Lease lease;
            try
            {
                lease = await model.Sessions.RentAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref model._queueDepth);
            }
            using var _ = lease;
            var queueTime = time.GetElapsedTime(queued);

            var started = time.GetTimestamp();
            OrtValue[] results;
            try
            {
                results = lease.Session.Run(inputIndices, values, outputIndices, null, cancellationToken);
            }
            catch (OrtException e) when (e.ErrorCode == OrtErrorCode.InvalidArgument)
            {
                // The inputs passed the metadata checks but an operator refused them (a shape the graph cannot broadcast, say).
                throw InferenceException.InvalidInput($"Model '{model.Name}' cannot run on these inputs: {e.Message}");
            }
            return new InferenceResult(model, outputs, results, new StageTimings(queueTime, TimeSpan.Zero, time.GetElapsedTime(started), TimeSpan.Zero, 1, 1));
        }
        finally
        {
            Interlocked.Decrement(ref model._inFlight);
            foreach (var value in values)
            {
                value?.Dispose();
            }
        }
    }

    /// <summary>Every input present exactly once, each of the right type and shape; all problems in one message.</summary>
    private static int[] CheckInputs(LoadedModel model, IReadOnlyList<InputTensor> inputs)
    {
        var problems = new List<string>();
        var indices = new int[inputs.Count];
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
            indices[i] = model.Sessions.Sessions[0].GetInputIndex(input.Name);
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
        return indices;
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
