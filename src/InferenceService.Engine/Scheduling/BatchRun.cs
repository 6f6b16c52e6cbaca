using InferenceService.Engine.Tensors;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Scheduling;

/// <summary>
/// One Run of a batch on one session: the requests' inputs gathered into one tensor per input (one copy of each
/// request's bytes; a request alone is wrapped in place, without copying), the Run, and the outputs split back into
/// each request's own rows (views, no copy).
/// </summary>
internal static class BatchRun
{
    /// <summary>
    /// Runs <paramref name="batch"/> (requests that can share a Run) on <paramref name="session"/> and returns each
    /// request's result, in order; <paramref name="execution"/> describes the Run, and <paramref name="taken"/> (when
    /// the batch left the queue, on <paramref name="time"/>'s clock) ends each request's queue time. The results
    /// belong to <paramref name="model"/>.
    /// </summary>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime refused the batch.</exception>
    /// <exception cref="OperationCanceledException">A lone request, or every request of the batch, was cancelled while it ran.</exception>
    public static InferenceResult[] Execute(ScheduledModel model, IReadOnlyList<QueuedRequest> batch, OnnxSession session, TimeProvider time, long taken, out BatchExecution execution)
    {
        var first = batch[0];
        var rows = new int[batch.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = batch[i].Rows;
        }

        var started = time.GetTimestamp();
        var gathered = batch.Count == 1 ? first.Inputs : Gather(batch);
        var values = new OrtValue[gathered.Length];
        OrtValue[] outputs;
        TimeSpan gather, run;
        try
        {
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = gathered[i].CreateOrtValue();
            }
            gather = time.GetElapsedTime(started);
            var runStarted = time.GetTimestamp();
            // A lone request may stop its own Run; a shared Run stops only once every one of its requests has left.
            using var everyoneGone = batch.Count == 1 ? null : EveryoneGone.For(batch);
            var cancellation = batch.Count == 1 ? first.CancellationToken : everyoneGone?.Token ?? CancellationToken.None;
            outputs = session.Run(model.InputPositions, values, first.OutputIndices, cancellation);
            run = time.GetElapsedTime(runStarted);
        }
        finally
        {
            foreach (var value in values)
            {
                value?.Dispose();
            }
            if (!ReferenceEquals(gathered, first.Inputs))
            {
                foreach (var tensor in gathered)
                {
                    tensor.Dispose();
                }
            }
        }

        var scatterStarted = time.GetTimestamp();
        var shared = new BatchOutputs(outputs, batch.Count);
        try
        {
            var perRequest = Split(outputs, rows);
            var scatter = time.GetElapsedTime(scatterStarted);
            var totalRows = rows.Sum();
            var results = new InferenceResult[batch.Count];
            for (var r = 0; r < results.Length; r++)
            {
                var timings = new StageTimings(time.GetElapsedTime(batch[r].Admitted, taken), gather, run, scatter, totalRows, batch.Count);
                results[r] = new InferenceResult(model, first.Outputs, perRequest[r], timings, shared.Reference());
            }
            execution = new BatchExecution(model.Name, model.Version, totalRows, batch.Count, gather, run, scatter, Succeeded: true);
            return results;
        }
        catch
        {
            shared.ReleaseAll();
            throw;
        }
    }

    /// <summary>One tensor per input holding every request's rows, in order.</summary>
    private static InputTensor[] Gather(IReadOnlyList<QueuedRequest> batch)
    {
        var first = batch[0];
        var gathered = new InputTensor[first.Inputs.Length];
        var totalRows = batch.Sum(r => (long)r.Rows);
        try
        {
            for (var i = 0; i < gathered.Length; i++)
            {
                var template = first.Inputs[i];
                var shape = (long[])template.Shape.Clone();
                shape[0] = totalRows;
                gathered[i] = template.Strings is not null
                    ? InputTensor.FromStrings(template.Name, [.. batch.SelectMany(r => r.Inputs[i].Strings!)], shape)
                    : Concatenate(template, shape, batch, i);
            }
            return gathered;
        }
        catch
        {
            foreach (var tensor in gathered)
            {
                tensor?.Dispose();
            }
            throw;
        }
    }

    private static InputTensor Concatenate(InputTensor template, long[] shape, IReadOnlyList<QueuedRequest> batch, int input)
    {
        var tensor = InputTensor.Rent(template.Name, template.ElementType, shape);
        var destination = tensor.Data.Span;
        foreach (var request in batch)
        {
            var source = request.Inputs[input].Data.Span;
            source.CopyTo(destination);
            destination = destination[source.Length..];
        }
        return tensor;
    }

    /// <summary>Each request's views of the outputs: the whole tensors for a lone request, else its rows of each.</summary>
    private static OutputTensor[][] Split(OrtValue[] outputs, int[] rows)
    {
        var perRequest = new OutputTensor[rows.Length][];
        for (var r = 0; r < rows.Length; r++)
        {
            perRequest[r] = new OutputTensor[outputs.Length];
        }
        for (var o = 0; o < outputs.Length; o++)
        {
            if (rows.Length == 1)
            {
                perRequest[0][o] = OutputTensor.Whole(outputs[o]);
                continue;
            }
            var views = OutputTensor.SplitRows(outputs[o], rows);
            for (var r = 0; r < rows.Length; r++)
            {
                perRequest[r][o] = views[r];
            }
        }
        return perRequest;
    }
}
