using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferenceService.Engine.Tests.Serving;

/// <summary>
/// The server-wide providers (the GPU image sets cuda) apply only to models whose config.json chooses none. The CPU
/// build of ONNX Runtime used here has no CUDA provider library, so asking for cuda shows up as a fallback reason.
/// </summary>
public sealed class DefaultExecutionProviderTests : IDisposable
{
    private readonly TempRepository _repository = new();
    private readonly ModelLoader _loader = new(NullLogger<ModelLoader>.Instance) { DefaultExecutionProviders = ["cuda"] };

    public void Dispose() => _repository.Dispose();

    private LoadedModel Load(string? configJson)
    {
        _repository.AddModel("m", "identity_float.onnx");
        if (configJson is not null)
        {
            _repository.WithConfig("m", configJson);
        }
        var source = ModelRepositoryScanner.ReadModel(_repository.ModelDirectory("m"));
        Assert.Empty(source.Problems);
        return _loader.Load(source, source.Versions[0]);
    }

    [Fact]
    public void Load_ConfigChoosesNothing_AsksForTheDefaultProviders()
    {
        using var model = Load(null);

        Assert.Contains(model.FallbackReasons, r => r.Contains("CUDA", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("CPUExecutionProvider", model.ExecutionProviders);
    }

    [Fact]
    public void Load_KindCpuInstanceGroup_KeepsTheModelOnTheCpu()
    {
        using var model = Load("""{ "instance_group": [{ "count": 1, "kind": "KIND_CPU" }] }""");

        Assert.Empty(model.FallbackReasons);
    }

    [Fact]
    public void Load_ExecutionProviderParameter_WinsOverTheDefault()
    {
        using var model = Load("""{ "parameters": { "execution_provider": { "string_value": "cpu" } } }""");

        Assert.Empty(model.FallbackReasons);
    }

    [Fact]
    public void ParseExecutionProviders_UnknownName_IsReportedWithWhereItCameFrom()
    {
        var problems = new List<string>();

        var providers = ModelParameters.ParseExecutionProviders("CUDA, gpu", "OnnxRuntime:ExecutionProviders", problems);

        Assert.Equal(["cuda", "gpu"], providers);
        Assert.Equal(["OnnxRuntime:ExecutionProviders: unknown execution provider \"gpu\" (known: cuda, tensorrt, cpu)."], problems);
    }
}
