using Microsoft.ML.OnnxRuntime;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Tests.TestSupport;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Repository;

public sealed class ModelConfigValidatorTests : IDisposable
{
    private readonly TempRepository _repository = new TempRepository().WithFile("m", "labels.txt", "a\nb\n");

    public void Dispose() => _repository.Dispose();

    private List<string> Validate(string json) => ModelConfigValidator.Validate(Configs.Parse(json), "m", _repository.ModelDirectory("m"));

    [Fact]
    public void Validate_EmptyConfig_HasNoProblems()
    {
        Assert.Empty(Validate("{}"));
    }

    [Fact]
    public void Validate_CompleteValidConfig_HasNoProblems()
    {
        Assert.Empty(Validate("""
            {
              "name": "m",
              "platform": "onnxruntime_onnx",
              "backend": "onnxruntime",
              "max_batch_size": 8,
              "version_policy": { "specific": { "versions": [1, 3] } },
              "input": [{ "name": "x", "data_type": "TYPE_FP32", "dims": [-1, 4] }],
              "output": [{ "name": "y", "data_type": "TYPE_INT64", "dims": [-1], "label_filename": "labels.txt" }],
              "instance_group": [{ "count": 2, "kind": "KIND_CPU" }],
              "parameters": { "intra_op_num_threads": { "string_value": "2" } },
              "dynamic_batching": { "preferred_batch_size": [4, 8], "max_queue_delay_microseconds": "500", "preserve_ordering": true,
                "default_queue_policy": { "max_queue_size": 64, "default_timeout_microseconds": 100000, "timeout_action": "DELAY", "allow_timeout_override": true } },
              "optimization": {},
              "model_warmup": []
            }
            """));
    }

    [Theory]
    [InlineData("""{ "name": "other" }""", "name \"other\" differs from the model's folder name \"m\".")]
    [InlineData("""{ "platform": "tensorrt_plan" }""", "platform \"tensorrt_plan\" is not served here; only \"onnxruntime_onnx\" is.")]
    [InlineData("""{ "backend": "pytorch" }""", "backend \"pytorch\" is not served here; only \"onnxruntime\" is.")]
    [InlineData("""{ "max_batch_size": -4 }""", "max_batch_size must be 0 (not batched) or more, not -4.")]
    [InlineData("""{ "version_policy": {} }""", "version_policy must set exactly one of \"latest\", \"all\" or \"specific\".")]
    [InlineData("""{ "version_policy": { "latest": { "num_versions": 1 }, "all": {} } }""", "version_policy must set exactly one of \"latest\", \"all\" or \"specific\".")]
    [InlineData("""{ "version_policy": { "latest": { "num_versions": 0 } } }""", "version_policy.latest.num_versions must be 1 or more, not 0.")]
    [InlineData("""{ "version_policy": { "specific": { "versions": [] } } }""", "version_policy.specific.versions must list at least one version.")]
    [InlineData("""{ "version_policy": { "specific": { "versions": [2, -1] } } }""", "version_policy.specific.versions: -1 is not a positive version number.")]
    [InlineData("""{ "input": [{ "data_type": "TYPE_FP32" }] }""", "input[0]: \"name\" is required.")]
    [InlineData("""{ "output": [{ "name": "y" }, { "name": "y" }] }""", "output[1] 'y': the name is declared twice.")]
    [InlineData("""{ "input": [{ "name": "x", "data_type": "FP32" }] }""", "input[0] 'x': data_type \"FP32\" is not a known type (TYPE_FP32, TYPE_INT64, TYPE_STRING, …).")]
    [InlineData("""{ "input": [{ "name": "x", "dims": [-1, -3] }] }""", "input[0] 'x': dims may hold sizes and -1 (any size), not -3.")]
    [InlineData("""{ "output": [{ "name": "y", "label_filename": "missing.txt" }] }""", "output[0] 'y': label_filename \"missing.txt\" is not a file in the model's folder.")]
    [InlineData("""{ "output": [{ "name": "y", "label_filename": "../m/labels.txt" }] }""", "output[0] 'y': label_filename \"../m/labels.txt\" is not a file in the model's folder.")]
    [InlineData("""{ "instance_group": [{ "count": 0 }] }""", "instance_group[0].count must be from 1 to 64, not 0.")]
    [InlineData("""{ "instance_group": [{ "count": 1 }, { "count": 65 }] }""", "instance_group[1].count must be from 1 to 64, not 65.")]
    [InlineData("""{ "instance_group": [{ "count": 1, "kind": "KIND_MODEL" }] }""", "instance_group[0].kind must be KIND_AUTO, KIND_CPU or KIND_GPU, not \"KIND_MODEL\".")]
    [InlineData("""{ "parameters": { "threads": { "string_value": "2" } } }""", "parameters.threads is not a known parameter (known: intra_op_num_threads, inter_op_num_threads, graph_optimization_level, execution_mode, enable_memory_arena, allow_spinning, execution_provider, require_gpu).")]
    [InlineData("""{ "max_batch": 4 }""", "\"max_batch\" is not a known configuration field.")]
    [InlineData("""{ "dynamic_batching": {} }""", "dynamic_batching needs max_batch_size above 0: a model that is not batched cannot batch requests.")]
    [InlineData("""{ "max_batch_size": 8, "dynamic_batching": { "preferred_batch_size": [4, 16] } }""", "dynamic_batching.preferred_batch_size: 16 is not from 1 to max_batch_size (8).")]
    [InlineData("""{ "max_batch_size": 8, "dynamic_batching": { "preferred_batch_size": [4, 4] } }""", "dynamic_batching.preferred_batch_size lists a size more than once.")]
    [InlineData("""{ "max_batch_size": 8, "dynamic_batching": { "max_queue_delay_microseconds": -1 } }""", "dynamic_batching.max_queue_delay_microseconds must be from 0 to 86400000000, not -1.")]
    [InlineData("""{ "max_batch_size": 8, "dynamic_batching": { "priority_levels": 2 } }""", "dynamic_batching.priority_levels is not supported.")]
    [InlineData("""{ "max_batch_size": 8, "dynamic_batching": { "default_queue_policy": { "max_queue_size": -3 } } }""", "dynamic_batching.default_queue_policy.max_queue_size must be 0 (the server's default) or more, not -3.")]
    [InlineData("""{ "max_batch_size": 8, "dynamic_batching": { "default_queue_policy": { "default_timeout_microseconds": -5 } } }""", "dynamic_batching.default_queue_policy.default_timeout_microseconds must be from 0 (none) to 86400000000, not -5.")]
    [InlineData("""{ "max_batch_size": 8, "dynamic_batching": { "default_queue_policy": { "timeout_action": "DROP" } } }""", "dynamic_batching.default_queue_policy.timeout_action must be REJECT or DELAY, not \"DROP\".")]
    [InlineData("""{ "max_batch_size": 8, "dynamic_batching": { "default_queue_policy": { "timeout_action": "DELAY" } } }""", "dynamic_batching.default_queue_policy.timeout_action DELAY has no effect without default_timeout_microseconds or allow_timeout_override.")]
    public void Validate_OneProblem_ReportsExactlyIt(string json, string problem)
    {
        Assert.Equal([problem], Validate(json));
    }

    [Fact]
    public void Validate_InstanceGroupWithoutCount_MeansOneInstance()
    {
        var config = Configs.Parse("""{ "instance_group": [{ "kind": "KIND_CPU" }] }""");

        Assert.Equal(1, Assert.Single(config.InstanceGroup!).Count);
        Assert.Empty(ModelConfigValidator.Validate(config, "m", _repository.ModelDirectory("m")));
    }

    [Fact]
    public void Validate_LatestPolicyWithoutNumVersions_MeansTheLatestOne()
    {
        var config = Configs.Parse("""{ "version_policy": { "latest": {} } }""");

        Assert.Equal(1, config.VersionPolicy!.Latest!.NumVersions);
        Assert.Empty(ModelConfigValidator.Validate(config, "m", _repository.ModelDirectory("m")));
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEveryOneInOrder()
    {
        var problems = Validate("""
            {
              "name": "other",
              "max_batch_size": -1,
              "input": [{ "name": "x", "data_type": "TYPE_FLOAT", "dims": [-2] }],
              "instance_group": [{ "count": 0, "kind": "GPU" }],
              "parameters": { "enable_memory_arena": { "string_value": "yes" } },
              "dynamic_batching": { "preferred_batch_size": [0], "default_queue_policy": { "timeout_action": "later" } },
              "inputs": []
            }
            """);

        Assert.Equal(
        [
            "name \"other\" differs from the model's folder name \"m\".",
            "max_batch_size must be 0 (not batched) or more, not -1.",
            "input[0] 'x': data_type \"TYPE_FLOAT\" is not a known type (TYPE_FP32, TYPE_INT64, TYPE_STRING, …).",
            "input[0] 'x': dims may hold sizes and -1 (any size), not -2.",
            "instance_group[0].count must be from 1 to 64, not 0.",
            "instance_group[0].kind must be KIND_AUTO, KIND_CPU or KIND_GPU, not \"GPU\".",
            "dynamic_batching needs max_batch_size above 0: a model that is not batched cannot batch requests.",
            "dynamic_batching.preferred_batch_size: 0 is not from 1 to max_batch_size (-1).",
            "dynamic_batching.default_queue_policy.timeout_action must be REJECT or DELAY, not \"later\".",
            "parameters.enable_memory_arena must be \"true\" or \"false\", not \"yes\".",
            "\"inputs\" is not a known configuration field.",
        ], problems);
    }

    private static TensorInfo Tensor(string name, TensorElementType type, params long[] shape) =>
        new(name, OnnxValueType.ONNX_TYPE_TENSOR, type, shape, shape.Select(_ => "").ToArray());

    private static readonly TensorInfo[] s_inputs = [Tensor("x", TensorElementType.Float, -1, 4)];
    private static readonly TensorInfo[] s_outputs = [Tensor("y", TensorElementType.Int64, -1)];

    [Fact]
    public void ValidateAgainstModel_MatchingDeclarations_HasNoProblems()
    {
        var config = Configs.Parse("""
            { "input": [{ "name": "x", "data_type": "TYPE_FP32", "dims": [-1, 4] }], "output": [{ "name": "y", "data_type": "TYPE_INT64", "dims": [3] }] }
            """);

        Assert.Empty(ModelConfigValidator.ValidateAgainstModel(config, s_inputs, s_outputs));
    }

    [Fact]
    public void ValidateAgainstModel_WithBatching_DimsLeaveOutTheBatchDimension()
    {
        var config = Configs.Parse("""{ "max_batch_size": 4, "input": [{ "name": "x", "dims": [4] }] }""");

        Assert.Empty(ModelConfigValidator.ValidateAgainstModel(config, s_inputs, s_outputs));
    }

    [Fact]
    public void ValidateAgainstModel_DynamicBatchingOutputWithoutBatchDimension_IsReported()
    {
        var config = Configs.Parse("""{ "max_batch_size": 4, "dynamic_batching": {} }""");

        var problems = ModelConfigValidator.ValidateAgainstModel(config, s_inputs, [Tensor("total", TensorElementType.Float, 1)]);

        Assert.Equal(["dynamic_batching needs every output to have a dynamic first (batch) dimension, but output 'total' has none."], problems);
    }

    [Fact]
    public void ValidateAgainstModel_EveryMismatch_IsReported()
    {
        var config = Configs.Parse("""
            {
              "input": [{ "name": "x", "data_type": "TYPE_INT32", "dims": [-1, 5] }, { "name": "z" }],
              "output": [{ "name": "y", "dims": [-1, 2] }]
            }
            """);

        Assert.Equal(
        [
            "input 'x' is declared TYPE_INT32, but the model has TYPE_FP32.",
            "input 'x' is declared with dims [-1, 5], but the model's shape is [-1, 4].",
            "input 'z' is declared in config.json, but the model has no such input (it has: x).",
            "output 'y' is declared with dims [-1, 2], but the model's shape is [-1].",
        ], ModelConfigValidator.ValidateAgainstModel(config, s_inputs, s_outputs));
    }

    [Fact]
    public void ValidateAgainstModel_BatchingWithoutDynamicBatchDimension_IsReported()
    {
        var config = Configs.Parse("""{ "max_batch_size": 8 }""");

        Assert.Equal(
            ["max_batch_size is 8, but input 'x' has no dynamic first (batch) dimension."],
            ModelConfigValidator.ValidateAgainstModel(config, [Tensor("x", TensorElementType.Float, 2, 3)], s_outputs));
    }

    [Fact]
    public void ValidateAgainstModel_NonTensorValue_IsReportedAsNotServable()
    {
        TensorInfo sequence = new("s", OnnxValueType.ONNX_TYPE_SEQUENCE, TensorElementTypes.Undefined, [], []);

        var problem = Assert.Single(ModelConfigValidator.ValidateAgainstModel(new ModelConfig(), s_inputs, [sequence]));

        Assert.Equal("'s' is a Sequence value, which this server cannot serve.", problem);
    }
}
