namespace InferenceService.Client;

/// <summary>An inference request: the model (and version), the inputs, and the outputs wanted (none: all of them).</summary>
public sealed class InferRequest
{
    public InferRequest(string modelName, params InferTensor[] inputs)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelName);
        ArgumentNullException.ThrowIfNull(inputs);
        ModelName = modelName;
        Inputs = inputs;
    }

    public string ModelName { get; }

    /// <summary>The version to run; null: the server's choice.</summary>
    public string? ModelVersion { get; init; }

    /// <summary>The request's id, echoed in the result; null: the server makes one.</summary>
    public string? Id { get; init; }

    public IReadOnlyList<InferTensor> Inputs { get; }

    /// <summary>The outputs wanted, in the order wanted; empty: every output of the model.</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];

    /// <summary>
    /// Outputs to be answered as their top N classes (the classification extension): by output name, N. Each comes
    /// back as a BYTES tensor of "value:index" or "value:index:label" elements, best first. An output named here is
    /// asked for even when <see cref="Outputs"/> does not list it.
    /// </summary>
    public IReadOnlyDictionary<string, int> Classifications { get; init; } = new Dictionary<string, int>();

    /// <summary>The outputs the request names: <see cref="Outputs"/>, then any classified output they leave out.</summary>
    internal IEnumerable<string> RequestedOutputs() =>
        Outputs.Concat(Classifications.Keys.Where(name => !Outputs.Contains(name, StringComparer.Ordinal)));

    /// <summary>The classes asked of <paramref name="output"/>; 0: its tensor.</summary>
    internal int ClassificationOf(string output) => Classifications.TryGetValue(output, out var count) ? count : 0;

    /// <summary>
    /// The longest the request may wait in the server's queue (the protocol's <c>timeout</c> parameter, honoured where
    /// the model allows it); null: the model's own.
    /// </summary>
    public TimeSpan? QueueTimeout { get; init; }
}

/// <summary>An inference result: which model version answered, the request's id and the outputs.</summary>
public sealed class InferResult(string modelName, string modelVersion, string id, IReadOnlyList<InferTensor> outputs)
{
    public string ModelName { get; } = modelName;

    public string ModelVersion { get; } = modelVersion;

    public string Id { get; } = id;

    public IReadOnlyList<InferTensor> Outputs { get; } = outputs;

    /// <exception cref="KeyNotFoundException">The result has no such output.</exception>
    public InferTensor Output(string name) =>
        Outputs.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.Ordinal))
        ?? throw new KeyNotFoundException($"The result has no output '{name}' (its outputs: {string.Join(", ", Outputs.Select(o => o.Name))}).");
}
