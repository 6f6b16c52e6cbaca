using InferenceService.Engine.Repository;
using InferenceService.Engine.Onnx;

namespace InferenceService.Engine.Tests.Repository;

public class ModelParametersTests
{
    private static (ModelParameters Parameters, List<string> Problems) Parse(params (string Name, string? Value)[] parameters)
    {
        var problems = new List<string>();
        var result = ModelParameters.Parse(parameters.ToDictionary(p => p.Name, p => new ParameterValue { StringValue = p.Value }), problems);
        return (result, problems);
    }

    [Fact]
    public void Parse_NoParameters_ReturnsDefaults()
    {
        var problems = new List<string>();

        var parameters = ModelParameters.Parse(null, problems);

        Assert.Empty(problems);
        Assert.Null(parameters.IntraOpThreads);
        Assert.Null(parameters.InterOpThreads);
        Assert.Equal(GraphOptimizationLevel.All, parameters.GraphOptimizationLevel);
        Assert.Equal(ExecutionMode.Sequential, parameters.ExecutionMode);
        Assert.True(parameters.EnableMemoryArena);
        Assert.False(parameters.AllowSpinning);
        Assert.False(parameters.RequireGpu);
        Assert.Empty(parameters.ExecutionProviders);
    }

    [Fact]
    public void Parse_EveryKnownParameter_IsRead()
    {
        var (parameters, problems) = Parse(
            ("intra_op_num_threads", "4"),
            ("inter_op_num_threads", " 2 "),
            ("graph_optimization_level", "disable_all"),
            ("execution_mode", "PARALLEL"),
            ("enable_memory_arena", "false"),
            ("allow_spinning", "True"),
            ("require_gpu", "true"),
            ("execution_provider", "TensorRT, cuda,cpu"));

        Assert.Empty(problems);
        Assert.Equal(4, parameters.IntraOpThreads);
        Assert.Equal(2, parameters.InterOpThreads);
        Assert.Equal(GraphOptimizationLevel.DisableAll, parameters.GraphOptimizationLevel);
        Assert.Equal(ExecutionMode.Parallel, parameters.ExecutionMode);
        Assert.False(parameters.EnableMemoryArena);
        Assert.True(parameters.AllowSpinning);
        Assert.True(parameters.RequireGpu);
        Assert.Equal(["tensorrt", "cuda", "cpu"], parameters.ExecutionProviders);
    }

    [Theory]
    [InlineData("basic", GraphOptimizationLevel.Basic)]
    [InlineData("extended", GraphOptimizationLevel.Extended)]
    [InlineData("all", GraphOptimizationLevel.All)]
    [InlineData("DisableAll", GraphOptimizationLevel.DisableAll)]
    public void Parse_GraphOptimizationLevelName_IsRead(string value, GraphOptimizationLevel expected)
    {
        var (parameters, problems) = Parse(("graph_optimization_level", value));

        Assert.Empty(problems);
        Assert.Equal(expected, parameters.GraphOptimizationLevel);
    }

    [Fact]
    public void Parse_TritonThreadCountAliases_AreRead()
    {
        var (parameters, problems) = Parse(("intra_op_thread_count", "3"), ("inter_op_thread_count", "1"));

        Assert.Empty(problems);
        Assert.Equal(3, parameters.IntraOpThreads);
        Assert.Equal(1, parameters.InterOpThreads);
    }

    [Theory]
    [InlineData("intra_op_num_threads", "-1", "parameters.intra_op_num_threads must be a whole number from 0 (ONNX Runtime's default) to 1024, not \"-1\".")]
    [InlineData("intra_op_thread_count", "1025", "parameters.intra_op_thread_count must be a whole number from 0 (ONNX Runtime's default) to 1024, not \"1025\".")]
    [InlineData("inter_op_num_threads", "two", "parameters.inter_op_num_threads must be a whole number from 0 (ONNX Runtime's default) to 1024, not \"two\".")]
    [InlineData("graph_optimization_level", "99", "parameters.graph_optimization_level must be one of disable_all, basic, extended, all, not \"99\".")]
    [InlineData("graph_optimization_level", "max", "parameters.graph_optimization_level must be one of disable_all, basic, extended, all, not \"max\".")]
    [InlineData("graph_optimization_level", "basic,extended", "parameters.graph_optimization_level must be one of disable_all, basic, extended, all, not \"basic,extended\".")]
    [InlineData("execution_mode", "concurrent", "parameters.execution_mode must be one of sequential, parallel, not \"concurrent\".")]
    [InlineData("execution_mode", "sequential, parallel", "parameters.execution_mode must be one of sequential, parallel, not \"sequential, parallel\".")]
    [InlineData("enable_memory_arena", "1", "parameters.enable_memory_arena must be \"true\" or \"false\", not \"1\".")]
    [InlineData("allow_spinning", "yes", "parameters.allow_spinning must be \"true\" or \"false\", not \"yes\".")]
    [InlineData("execution_provider", "cuda,rocm", "parameters.execution_provider: unknown execution provider \"rocm\" (known: cuda, tensorrt, cpu).")]
    [InlineData("intra_op_num_threads", null, "parameters.intra_op_num_threads: a \"string_value\" is required.")]
    [InlineData("spinning", "true", "parameters.spinning is not a known parameter (known: intra_op_num_threads, inter_op_num_threads, graph_optimization_level, execution_mode, enable_memory_arena, allow_spinning, execution_provider, require_gpu).")]
    public void Parse_InvalidValue_ReportsTheParameterAndValue(string name, string? value, string problem)
    {
        var (_, problems) = Parse((name, value));

        Assert.Equal([problem], problems);
    }

    [Fact]
    public void Parse_InvalidValue_KeepsTheDefault()
    {
        var (parameters, _) = Parse(("graph_optimization_level", "basic,extended"), ("enable_memory_arena", "no"), ("intra_op_num_threads", "x"));

        Assert.Equal(GraphOptimizationLevel.All, parameters.GraphOptimizationLevel);
        Assert.True(parameters.EnableMemoryArena);
        Assert.Null(parameters.IntraOpThreads);
    }

    [Fact]
    public void Parse_SeveralInvalidValues_ReportsEveryOne()
    {
        var (_, problems) = Parse(("intra_op_num_threads", "-2"), ("execution_mode", "fast"), ("require_gpu", "maybe"), ("unknown", "1"));

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("parameters.intra_op_num_threads ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("parameters.execution_mode ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("parameters.require_gpu ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("parameters.unknown ", StringComparison.Ordinal));
    }
}
