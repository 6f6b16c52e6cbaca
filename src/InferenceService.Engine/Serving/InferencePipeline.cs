using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Tensors;
using InferenceService.Engine.Onnx;

namespace InferenceService.Engine.Serving;

/// <summary>
/// Runs a request through a loaded model. The request path: <see cref="Decode"/> checks every input a request states
/// against the model's own metadata (names, each once, element types, ranks, fixed dimensions, element counts, the
/// batch size) and the outputs it asks for, every problem at once, before any buffer is rented; then decodes each
/// input straight into one pooled buffer, in the model's order; <see cref="InferAsync(DecodedRequest, CancellationToken, TimeSpan?, RequestPriority)"/>
/// hands it to the model version's scheduler, which queues, batches and runs it. Requests whose inputs are already
/// tensors (batch jobs, tests) take <see cref="InferAsync(LoadedModel, IReadOnlyList{InputTensor}, IReadOnlyList{string}?, CancellationToken, TimeSpan?, RequestPriority)"/>,
/// which makes the same checks on the tensors.
/// </summary>
public sealed class InferencePipeline
{
    /// <summary>What one request may hold (rank, elements, string length, inputs, outputs), checked by <see cref="Decode"/>.</summary>
    public RequestLimits Limits { get; init; } = RequestLimits.Default;

    /// <summary>When online requests last came through here, for batch jobs to yield to them.</summary>
    public OnlineActivity Online { get; init; } = new(TimeProvider.System);

    /// <summary>
    /// Checks a request's inputs and wanted outputs against <paramref name="model"/>, adding every problem to
    /// <paramref name="problems"/>; only when there is none (none before either), decodes each input into a pooled
    /// tensor. Returns null when anything is wrong (nothing is left rented then).
    /// </summary>
    /// <param name="model">The resolved model version.</param>
    /// <param name="inputs">The inputs as the request states them, in any order.</param>
    /// <param name="outputNames">The outputs wanted; null or empty: all of them, in the model's order.</param>
    /// <param name="problems">Problems found so far (by the caller's own reading of the request), and those found here.</param>
    public DecodedRequest? Decode(LoadedModel model, ReadOnlySpan<JsonInput> inputs, IReadOnlyList<string>? outputNames, ref RequestProblems problems)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!WithinCounts(inputs.Length, outputNames, ref problems))
        {
            return null;
        }
        var declared = model.Inputs;
        var layouts = new JsonTensorLayout[declared.Count];
        RawTensorLayout[]? rawLayouts = null; // made by the first input sent as raw bytes
        var given = new int[declared.Count]; // the request's index + 1 of each model input; 0: not given
        for (var i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i];
            var index = model.IndexOfInput(input.Name);
            if (index < 0)
            {
                problems.Add($"Model '{model.Name}' has no input named '{input.Name}' (its inputs: {model.InputNames}).");
                continue;
            }
            if (given[index] != 0)
            {
                problems.Add($"Input '{input.Name}' is given more than once.");
                continue;
            }
            given[index] = i + 1;
            var expected = declared[index];
            if (!expected.IsTensor || !JsonTensorDecoder.CanDecode(expected.ElementType))
            {
                problems.Add($"Input '{input.Name}' is a {expected.KindName.ToLowerInvariant()} of {TensorDataType.DisplayName(expected.ElementType)}, which cannot be sent {(input.IsRaw ? "as raw bytes" : "as JSON")}.");
                continue;
            }
            var type = input.ElementType ?? expected.ElementType;
            if (input.IsRaw)
            {
                TensorValidator.Check(expected, type, input.Shape, ref problems);
                if (MeasureRaw(input, type, ref problems) is { Shape: not null } raw)
                {
                    (rawLayouts ??= new RawTensorLayout[declared.Count])[index] = raw;
                    layouts[index] = new JsonTensorLayout(0, raw.Shape, raw.ElementCount);
                }
            }
            else if (input.Shape is { } shape)
            {
                // The declared shape is checked before the data is measured against it.
                if (!WithinRank(input.Name, shape.Length, ref problems))
                {
                    continue;
                }
                TensorValidator.Check(expected, type, shape, ref problems);
                layouts[index] = Measure(input, ref problems);
            }
            else if (Measure(input, ref problems) is { Shape: not null } nested && WithinRank(input.Name, nested.Shape.Length, ref problems))
            {
                TensorValidator.Check(expected, type, nested.Shape, ref problems);
                layouts[index] = nested;
            }
        }
        for (var index = 0; index < declared.Count; index++)
        {
            if (given[index] == 0)
            {
                problems.Add($"Input '{declared[index].Name}' is missing.");
            }
        }
        WithinElements(layouts, ref problems);
        var rows = problems.Any ? 0 : BatchRows(model, layouts, ref problems);
        var (outputs, outputIndices) = ResolveOutputs(model, outputNames, ref problems);
        if (problems.Any)
        {
            return null;
        }

        // The request holds the version from here until its DecodedRequest is disposed (after its answer is written),
        // so a reload or an unload drains it only once the answer is out.
        if (!model.TryEnter())
        {
            throw new InferenceException(InferenceErrorKind.ModelNotReady, $"Model '{model.Name}' version {model.Version} was unloaded while the request was read; retry.");
        }
        var tensors = new InputTensor[declared.Count];
        try
        {
            for (var index = 0; index < tensors.Length; index++)
            {
                var input = inputs[given[index] - 1];
                var type = input.ElementType ?? declared[index].ElementType;
                tensors[index] = input.IsRaw
                    ? RawTensorDecoder.Decode(declared[index].Name, type, input.RawData, rawLayouts![index])
                    : input.NumberArray is { } flat
                        ? JsonTensorDecoder.Decode(declared[index].Name, flat, type, layouts[index])
                        : JsonTensorDecoder.Decode(declared[index].Name, input.Data, type, layouts[index]);
            }
        }
        catch (InferenceException e)
        {
            // A value that does not fit its type: the first one found is the answer. Nothing rented stays rented.
            foreach (var tensor in tensors)
            {
                tensor?.Dispose();
            }
            model.Exit();
            problems.Add(e);
            return null;
        }
        if (!WithinStringBytes(tensors, ref problems))
        {
            foreach (var tensor in tensors)
            {
                tensor.Dispose();
            }
            model.Exit();
            return null;
        }
        return new DecodedRequest(model, tensors, rows, outputs, outputIndices);
    }

    /// <summary>
    /// Queues a decoded request on its model version's scheduler. The request stays the caller's: dispose it once the
    /// task completed (and the result, if any, was written).
    /// </summary>
    /// <param name="request">What <see cref="Decode"/> made.</param>
    /// <param name="cancellationToken">Removes the request from the queue; stops its Run only when it runs alone.</param>
    /// <param name="queueTimeout">A shorter queue timeout than the model's, honoured when the model allows overrides.</param>
    /// <param name="priority">The scheduler lane: batch jobs pass <see cref="RequestPriority.Job"/>, so online requests go first.</param>
    public Task<InferenceResult> InferAsync(DecodedRequest request, CancellationToken cancellationToken, TimeSpan? queueTimeout = null, RequestPriority priority = RequestPriority.Online)
    {
        ArgumentNullException.ThrowIfNull(request);
        RecordOnline(priority);
        return request.Model.Scheduler.Enqueue(
            new QueuedRequest(request.InputArray, request.OutputIndices, request.Outputs, request.Rows, cancellationToken) { Priority = priority }, queueTimeout);
    }

    private void RecordOnline(RequestPriority priority)
    {
        if (priority == RequestPriority.Online)
        {
            Online.Record();
        }
    }

    private bool WithinCounts(int inputs, IReadOnlyList<string>? outputNames, ref RequestProblems problems)
    {
        var fits = true;
        if (inputs > Limits.MaxInputs)
        {
            problems.Add($"The request gives {inputs} inputs; the server accepts at most {Limits.MaxInputs} ({RequestLimits.Setting(nameof(RequestLimits.MaxInputs))}).");
            fits = false;
        }
        if (outputNames is { } outputs && outputs.Count > Limits.MaxOutputs)
        {
            problems.Add($"The request asks for {outputs.Count} outputs; the server accepts at most {Limits.MaxOutputs} ({RequestLimits.Setting(nameof(RequestLimits.MaxOutputs))}).");
            fits = false;
        }
        return fits;
    }

    private bool WithinRank(string name, int rank, ref RequestProblems problems)
    {
        if (rank <= Limits.MaxTensorRank)
        {
            return true;
        }
        problems.Add($"Input '{name}' has rank {rank}; the server accepts at most {Limits.MaxTensorRank} dimensions ({RequestLimits.Setting(nameof(RequestLimits.MaxTensorRank))}).");
        return false;
    }

    private void WithinElements(JsonTensorLayout[] layouts, ref RequestProblems problems)
    {
        long total = 0;
        foreach (var layout in layouts)
        {
            total += layout.ElementCount;
        }
        if (total > Limits.MaxElementsPerRequest)
        {
            problems.Add($"The request's inputs hold {total} elements; the server accepts at most {Limits.MaxElementsPerRequest} in one request ({RequestLimits.Setting(nameof(RequestLimits.MaxElementsPerRequest))}).");
        }
    }

    /// <summary>Each BYTES element's UTF-8 length (counted only past the length at which any string could exceed the limit).</summary>
    private bool WithinStringBytes(InputTensor[] tensors, ref RequestProblems problems)
    {
        var max = Limits.MaxStringBytes;
        foreach (var tensor in tensors)
        {
            if (tensor.Strings is not { } strings)
            {
                continue;
            }
            for (var i = 0; i < strings.Length; i++)
            {
                // A string of n chars has at most 3n UTF-8 bytes: most are cleared without counting.
                if ((long)strings[i].Length * 3 > max && System.Text.Encoding.UTF8.GetByteCount(strings[i]) > max)
                {
                    problems.Add($"Input '{tensor.Name}' element {i} is {System.Text.Encoding.UTF8.GetByteCount(strings[i])} bytes long; the server accepts BYTES elements of at most {max} bytes ({RequestLimits.Setting(nameof(RequestLimits.MaxStringBytes))}).");
                    return false;
                }
            }
        }
        return true;
    }

    private static JsonTensorLayout Measure(in JsonInput input, ref RequestProblems problems)
    {
        try
        {
            return (input.Shape, input.NumberArray) switch
            {
                ({ } shape, { } flat) => JsonTensorDecoder.MeasureWithShape(input.Name, flat, shape),
                ({ } shape, null) => JsonTensorDecoder.MeasureWithShape(input.Name, input.Data, shape),
                (null, { } nested) => JsonTensorDecoder.MeasureNested(input.Name, nested),
                _ => JsonTensorDecoder.MeasureNested(input.Name, input.Data),
            };
        }
        catch (InferenceException e)
        {
            problems.Add(e);
            return default;
        }
    }

    private static RawTensorLayout MeasureRaw(in JsonInput input, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType type, ref RequestProblems problems)
    {
        try
        {
            return RawTensorDecoder.Measure(input.Name, type, input.Shape ?? [], input.RawData.Span);
        }
        catch (InferenceException e)
        {
            problems.Add(e);
            return default;
        }
    }

    /// <summary>The batch rows of checked layouts (in the model's order), as <see cref="BatchRows(LoadedModel, InputTensor[])"/> counts them.</summary>
    private static int BatchRows(LoadedModel model, JsonTensorLayout[] layouts, ref RequestProblems problems)
    {
        var maxBatchSize = model.Config.MaxBatchSize;
        if (maxBatchSize == 0 || layouts.Length == 0 || layouts[0].Shape.Length == 0)
        {
            return 1;
        }
        var rows = layouts[0].Shape[0];
        foreach (var layout in layouts)
        {
            if (layout.Shape.Length == 0 || layout.Shape[0] != rows)
            {
                problems.Add($"The inputs disagree on the batch size (their first dimension): {string.Join(", ", model.Inputs.Select((input, i) => $"'{input.Name}' has {(layouts[i].Shape.Length == 0 ? 0 : layouts[i].Shape[0])}"))}.");
                return 0;
            }
        }
        if (rows > maxBatchSize)
        {
            problems.Add($"The request holds a batch of {rows} rows, more than model '{model.Name}' takes at once (max_batch_size {maxBatchSize}); split it.");
            return 0;
        }
        return (int)rows;
    }

    private static (IReadOnlyList<TensorInfo> Outputs, int[] Indices) ResolveOutputs(LoadedModel model, IReadOnlyList<string>? outputNames, ref RequestProblems problems)
    {
        if (outputNames is not { Count: > 0 })
        {
            return (model.Outputs, model.OutputPositions);
        }
        var outputs = new List<TensorInfo>(outputNames.Count);
        var indices = new List<int>(outputNames.Count);
        foreach (var name in outputNames)
        {
            var index = model.IndexOfOutput(name);
            if (index < 0)
            {
                problems.Add($"Model '{model.Name}' has no output named '{name}' (its outputs: {model.OutputNames}).");
            }
            else if (indices.Contains(index))
            {
                problems.Add($"Output '{name}' is requested more than once.");
            }
            else
            {
                outputs.Add(model.Outputs[index]);
                indices.Add(index);
            }
        }
        return (outputs, [.. indices]);
    }

    /// <param name="model">The resolved model version.</param>
    /// <param name="inputs">Every input of the model, once each. Still owned by the caller (who disposes them once this completes).</param>
    /// <param name="outputNames">The outputs wanted; null or empty: all of them, in the model's order.</param>
    /// <param name="cancellationToken">Removes the request from the queue; stops its Run only when it runs alone.</param>
    /// <param name="queueTimeout">A shorter queue timeout than the model's, honoured when the model allows overrides.</param>
    /// <param name="priority">The scheduler lane: batch jobs pass <see cref="RequestPriority.Job"/>, so online requests go first.</param>
    public Task<InferenceResult> InferAsync(
        LoadedModel model,
        IReadOnlyList<InputTensor> inputs,
        IReadOnlyList<string>? outputNames,
        CancellationToken cancellationToken,
        TimeSpan? queueTimeout = null,
        RequestPriority priority = RequestPriority.Online)
    {
        RecordOnline(priority);
        var ordered = CheckInputs(model, inputs);
        var rows = BatchRows(model, ordered);
        var outputs = ResolveOutputs(model, outputNames);
        var outputIndices = outputs.Select(o => model.Sessions.Sessions[0].GetOutputIndex(o.Name)).ToArray();
        if (!model.TryEnter())
        {
            throw new InferenceException(InferenceErrorKind.ModelNotReady, $"Model '{model.Name}' version {model.Version} is unloaded; resolve the model again.");
        }
        try
        {
            var running = model.Scheduler.Enqueue(new QueuedRequest(ordered, outputIndices, outputs, rows, cancellationToken) { Priority = priority }, queueTimeout);
            _ = running.ContinueWith(static (_, state) => ((LoadedModel)state!).Exit(), model, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return running;
        }
        catch
        {
            model.Exit();
            throw;
        }
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
