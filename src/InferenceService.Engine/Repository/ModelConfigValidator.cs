using InferenceService.Engine.Onnx;

namespace InferenceService.Engine.Repository;

/// <summary>
/// Checks a model configuration and reports every problem in it, not only the first, so one edit can fix them all.
/// <see cref="Validate"/> checks the configuration alone; <see cref="ValidateAgainstModel"/> checks it against what the
/// loaded ONNX model declares.
/// </summary>
public static class ModelConfigValidator
{
    /// <summary>Top-level Triton fields that are valid but not used by this server; they are allowed, not errors.</summary>
    private static readonly HashSet<string> s_tritonFieldsNotUsed = new(StringComparer.Ordinal)
    {
        "default_model_filename", "optimization", "model_warmup", "model_transaction_policy", "response_cache",
    };

    // A day: a delay or timeout longer than this is a typo, and it keeps TimeSpan arithmetic far from overflow.
    private const long MaxMicroseconds = 86_400_000_000;

    public static List<string> Validate(ModelConfig config, string modelName, string modelDirectory)
    {
        var problems = new List<string>();
        if (config.Name is not null && config.Name != modelName)
        {
            problems.Add($"name \"{config.Name}\" differs from the model's folder name \"{modelName}\".");
        }
        if (config.Platform is not null and not "onnxruntime_onnx")
        {
            problems.Add($"platform \"{config.Platform}\" is not served here; only \"onnxruntime_onnx\" is.");
        }
        if (config.Backend is not null and not "onnxruntime")
        {
            problems.Add($"backend \"{config.Backend}\" is not served here; only \"onnxruntime\" is.");
        }
        if (config.MaxBatchSize < 0)
        {
            problems.Add($"max_batch_size must be 0 (not batched) or more, not {config.MaxBatchSize}.");
        }
        ValidateVersionPolicy(config.VersionPolicy, problems);
        ValidateTensors("input", config.Input, modelDirectory, problems);
        ValidateTensors("output", config.Output, modelDirectory, problems);
        ValidateInstanceGroups(config.InstanceGroup, problems);
        ValidateDynamicBatching(config, problems);
        ValidateWarmup(config, problems);
        ModelParameters.Parse(config.Parameters, problems);
        foreach (var field in config.UnknownFields?.Keys ?? [])
        {
            if (!s_tritonFieldsNotUsed.Contains(field))
            {
                problems.Add($"\"{field}\" is not a known configuration field.");
            }
        }
        return problems;
    }

    /// <summary>Checks the declared inputs and outputs against the model's own metadata.</summary>
    public static List<string> ValidateAgainstModel(ModelConfig config, IReadOnlyList<TensorInfo> inputs, IReadOnlyList<TensorInfo> outputs)
    {
        var problems = new List<string>();
        CheckDeclared("input", config.Input, inputs, config.MaxBatchSize, problems);
        CheckDeclared("output", config.Output, outputs, config.MaxBatchSize, problems);
        if (config.MaxBatchSize > 0)
        {
            foreach (var input in inputs.Where(i => i.Shape.Count == 0 || i.Shape[0] >= 0))
            {
                problems.Add($"max_batch_size is {config.MaxBatchSize}, but input '{input.Name}' has no dynamic first (batch) dimension.");
            }
        }
        if (config.DynamicBatching is not null)
        {
            // A batch's outputs are split back to its requests by rows, which needs a batch dimension to split on.
            foreach (var output in outputs.Where(o => o.Shape.Count == 0 || o.Shape[0] >= 0))
            {
                problems.Add($"dynamic_batching needs every output to have a dynamic first (batch) dimension, but output '{output.Name}' has none.");
            }
        }
        foreach (var tensor in inputs.Concat(outputs).Where(t => !t.IsTensor || !TensorElementTypes.IsSupported(t.ElementType)))
        {
            problems.Add($"'{tensor.Name}' is a {(tensor.IsTensor ? tensor.ElementType.ToString() : tensor.KindName)} value, which this server cannot serve.");
        }
        return problems;
    }

    private static void ValidateVersionPolicy(VersionPolicyConfig? policy, List<string> problems)
    {
        if (policy is null)
        {
            return;
        }
        var set = (policy.Latest is not null ? 1 : 0) + (policy.All is not null ? 1 : 0) + (policy.Specific is not null ? 1 : 0);
        if (set != 1)
        {
            problems.Add("version_policy must set exactly one of \"latest\", \"all\" or \"specific\".");
        }
        if (policy.Latest is { NumVersions: < 1 } latest)
        {
            problems.Add($"version_policy.latest.num_versions must be 1 or more, not {latest.NumVersions}.");
        }
        if (policy.Specific is { } specific)
        {
            if (specific.Versions is not { Count: > 0 })
            {
                problems.Add("version_policy.specific.versions must list at least one version.");
            }
            foreach (var version in specific.Versions?.Where(v => v < 1) ?? [])
            {
                problems.Add($"version_policy.specific.versions: {version} is not a positive version number.");
            }
        }
    }

    private static void ValidateTensors(string kind, IReadOnlyList<TensorConfig>? tensors, string modelDirectory, List<string> problems)
    {
        if (tensors is null)
        {
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tensors.Count; i++)
        {
            var tensor = tensors[i];
            var where = $"{kind}[{i}]" + (tensor.Name is null ? "" : $" '{tensor.Name}'");
            if (string.IsNullOrWhiteSpace(tensor.Name))
            {
                problems.Add($"{where}: \"name\" is required.");
            }
            else if (!seen.Add(tensor.Name))
            {
                problems.Add($"{where}: the name is declared twice.");
            }
            if (tensor.DataType is not null && !TritonDataType.TryParse(tensor.DataType, out _))
            {
                problems.Add($"{where}: data_type \"{tensor.DataType}\" is not a known type (TYPE_FP32, TYPE_INT64, TYPE_STRING, …).");
            }
            foreach (var dim in tensor.Dims?.Where(d => d < -1) ?? [])
            {
                problems.Add($"{where}: dims may hold sizes and -1 (any size), not {dim}.");
            }
            if (tensor.LabelFilename is { } labels && !LabelFileExists(modelDirectory, labels))
            {
                problems.Add($"{where}: label_filename \"{labels}\" is not a file in the model's folder.");
            }
        }
    }

    private static bool LabelFileExists(string modelDirectory, string fileName) =>
        ModelNames.FileProblem(fileName) is null && File.Exists(Path.Combine(modelDirectory, fileName));

    /// <summary>
    /// Triton's <c>model_warmup</c>, as far as it can be checked without the model: each sample's batch size and count,
    /// each input's type and dimensions, exactly one source of data, and a data file that is a plain name of the
    /// model's <c>warmup/</c> folder (no separator, no <c>..</c>).
    /// </summary>
    private static void ValidateWarmup(ModelConfig config, List<string> problems)
    {
        for (var i = 0; i < (config.ModelWarmup?.Count ?? 0); i++)
        {
            var sample = config.ModelWarmup![i];
            var where = $"model_warmup[{i}]{(sample.Name is null ? "" : $" (\"{sample.Name}\")")}";
            if (sample.BatchSize < 0 || (config.MaxBatchSize == 0 && sample.BatchSize > 1) || (config.MaxBatchSize > 0 && sample.BatchSize > config.MaxBatchSize))
            {
                problems.Add($"{where}.batch_size {sample.BatchSize} does not fit the model (1 when it is not batched, at most max_batch_size when it is).");
            }
            if (sample.Count < 0)
            {
                problems.Add($"{where}.count must be 0 (once) or more, not {sample.Count}.");
            }
            if (sample.Inputs is not { Count: > 0 })
            {
                problems.Add($"{where} has no inputs.");
            }
            foreach (var field in sample.UnknownFields?.Keys ?? [])
            {
                problems.Add($"{where}.{field} is not a known warm-up field.");
            }
            foreach (var (name, input) in sample.Inputs ?? new Dictionary<string, WarmupInputConfig>())
            {
                var at = $"{where} input \"{name}\"";
                if (input.DataType is null || !TritonDataType.TryParse(input.DataType, out _))
                {
                    problems.Add($"{at} has data_type \"{input.DataType}\", which is not a Triton data type (TYPE_FP32, TYPE_INT64, …).");
                }
                if (input.Dims is null || input.Dims.Any(d => d < 0))
                {
                    problems.Add($"{at} needs dims with no dynamic (-1) dimension: a sample has a fixed shape.");
                }
                var sources = (input.ZeroData ? 1 : 0) + (input.RandomData ? 1 : 0) + (input.InputDataFile is null ? 0 : 1);
                if (sources != 1)
                {
                    problems.Add($"{at} must set exactly one of zero_data, random_data and input_data_file.");
                }
                if (input.InputDataFile is { } file && !IsPlainFileName(file))
                {
                    problems.Add($"{at}.input_data_file \"{file}\" must name a file of the model's warmup/ folder: no path separators, no \"..\".");
                }
                foreach (var field in input.UnknownFields?.Keys ?? [])
                {
                    problems.Add($"{at}.{field} is not a known warm-up input field.");
                }
            }
        }
    }

    /// <summary>A file name that stays in the folder it is read from: no separator of any platform, not "." or "..", not rooted.</summary>
    public static bool IsPlainFileName(string name) =>
        name.Length > 0 && name.Length <= 255 && name is not ("." or "..") && !name.Contains('/') && !name.Contains('\\')
        && !name.Contains('\0') && !name.Contains(':') && !Path.IsPathRooted(name);

    private static void ValidateDynamicBatching(ModelConfig config, List<string> problems)
    {
        if (config.DynamicBatching is not { } batching)
        {
            return;
        }
        if (config.MaxBatchSize <= 0)
        {
            problems.Add("dynamic_batching needs max_batch_size above 0: a model that is not batched cannot batch requests.");
        }
        foreach (var size in batching.PreferredBatchSize ?? [])
        {
            if (size < 1 || (config.MaxBatchSize > 0 && size > config.MaxBatchSize))
            {
                problems.Add($"dynamic_batching.preferred_batch_size: {size} is not from 1 to max_batch_size ({config.MaxBatchSize}).");
            }
        }
        if (batching.PreferredBatchSize?.Distinct().Count() < batching.PreferredBatchSize?.Count)
        {
            problems.Add("dynamic_batching.preferred_batch_size lists a size more than once.");
        }
        if (batching.MaxQueueDelayMicroseconds is < 0 or > MaxMicroseconds)
        {
            problems.Add($"dynamic_batching.max_queue_delay_microseconds must be from 0 to {MaxMicroseconds}, not {batching.MaxQueueDelayMicroseconds}.");
        }
        foreach (var field in batching.UnknownFields?.Keys ?? [])
        {
            problems.Add($"dynamic_batching.{field} is not supported.");
        }
        if (batching.DefaultQueuePolicy is not { } policy)
        {
            return;
        }
        if (policy.MaxQueueSize < 0)
        {
            problems.Add($"dynamic_batching.default_queue_policy.max_queue_size must be 0 (the server's default) or more, not {policy.MaxQueueSize}.");
        }
        if (policy.DefaultTimeoutMicroseconds is < 0 or > MaxMicroseconds)
        {
            problems.Add($"dynamic_batching.default_queue_policy.default_timeout_microseconds must be from 0 (none) to {MaxMicroseconds}, not {policy.DefaultTimeoutMicroseconds}.");
        }
        if (policy.TimeoutAction is not (null or "REJECT" or "DELAY"))
        {
            problems.Add($"dynamic_batching.default_queue_policy.timeout_action must be REJECT or DELAY, not \"{policy.TimeoutAction}\".");
        }
        if (policy.TimeoutAction == "DELAY" && policy.DefaultTimeoutMicroseconds == 0 && !policy.AllowTimeoutOverride)
        {
            problems.Add("dynamic_batching.default_queue_policy.timeout_action DELAY has no effect without default_timeout_microseconds or allow_timeout_override.");
        }
        foreach (var field in policy.UnknownFields?.Keys ?? [])
        {
            problems.Add($"dynamic_batching.default_queue_policy.{field} is not supported.");
        }
    }

    private static void ValidateInstanceGroups(IReadOnlyList<InstanceGroupConfig>? groups, List<string> problems)
    {
        for (var i = 0; i < (groups?.Count ?? 0); i++)
        {
            var group = groups![i];
            if (group.Count is < 1 or > 64)
            {
                problems.Add($"instance_group[{i}].count must be from 1 to 64, not {group.Count}.");
            }
            if (group.Kind is not (null or "KIND_AUTO" or "KIND_CPU" or "KIND_GPU"))
            {
                problems.Add($"instance_group[{i}].kind must be KIND_AUTO, KIND_CPU or KIND_GPU, not \"{group.Kind}\".");
            }
        }
    }

    private static void CheckDeclared(string kind, IReadOnlyList<TensorConfig>? declared, IReadOnlyList<TensorInfo> actual, int maxBatchSize, List<string> problems)
    {
        foreach (var tensor in declared ?? [])
        {
            if (tensor.Name is null)
            {
                continue;
            }
            var info = actual.FirstOrDefault(a => a.Name == tensor.Name);
            if (info is null)
            {
                problems.Add($"{kind} '{tensor.Name}' is declared in config.json, but the model has no such {kind} (it has: {string.Join(", ", actual.Select(a => a.Name))}).");
                continue;
            }
            if (tensor.DataType is not null && TritonDataType.TryParse(tensor.DataType, out var type) && type != info.ElementType)
            {
                problems.Add($"{kind} '{tensor.Name}' is declared {tensor.DataType}, but the model has {TritonDataType.ToName(info.ElementType)}.");
            }
            if (tensor.Dims is { } dims)
            {
                // With batching, Triton's dims leave out the leading batch dimension.
                var modelDims = maxBatchSize > 0 ? info.Shape.Skip(1).ToArray() : info.Shape.ToArray();
                var compatible = dims.Count == modelDims.Length && dims.Zip(modelDims).All(p => p.First == -1 || p.Second == -1 || p.First == p.Second);
                if (!compatible)
                {
                    problems.Add($"{kind} '{tensor.Name}' is declared with dims [{string.Join(", ", dims)}], but the model's shape is [{string.Join(", ", info.Shape)}]" +
                                 (maxBatchSize > 0 ? " (dims leave out the batch dimension when max_batch_size > 0)." : "."));
                }
            }
        }
    }
}
