using System.Net;
using InferenceService.Api.Tests.TestSupport;
using Microsoft.Extensions.Options;

namespace InferenceService.Api.Tests.Hosting;

/// <summary>
/// OnnxRuntime:ExecutionProviders, the server-wide providers the GPU deployments set: a known name serves (here on the
/// CPU, which has no CUDA provider library, so the models fall back); an unknown one stops the start and is named.
/// </summary>
public sealed class ExecutionProviderSettingTests : IDisposable
{
    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder().AddSampleModel("iris");

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task Start_CudaWithoutAGpu_ServesOnTheCpu()
    {
        await using var factory = new InferenceServiceFactory(_repository.Root, new Dictionary<string, string?> { ["OnnxRuntime:ExecutionProviders"] = "cuda" });
        using var client = factory.CreateClient();

        await ServiceReadiness.WaitUntilReadyAsync(client);

        using var ready = await client.GetAsync("/v2/models/iris/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Start_UnknownProvider_FailsNamingIt()
    {
        await using var factory = new InferenceServiceFactory(_repository.Root, new Dictionary<string, string?> { ["OnnxRuntime:ExecutionProviders"] = "cuda, gpu" });

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("OnnxRuntime:ExecutionProviders: unknown execution provider \"gpu\"", error.Message, StringComparison.Ordinal);
    }
}
