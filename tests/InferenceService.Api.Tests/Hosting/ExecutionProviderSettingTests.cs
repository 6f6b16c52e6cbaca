using System.Globalization;
using System.Net;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using Microsoft.Extensions.Options;

namespace InferenceService.Api.Tests.Hosting;

/// <summary>
/// OnnxRuntime:ExecutionProviders, the server-wide providers the GPU deployments set: a known name serves (here on the
/// CPU, which has no CUDA provider library, so the models fall back); an unknown one stops the start and is named.
/// </summary>
public sealed class ExecutionProviderSettingTests : IDisposable
{
    // No instance_group kind and no execution_provider parameter: the model takes the server-wide providers.
    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder().AddModel("fixed", "fixed_shape.onnx");

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task Start_CudaWithoutAGpu_ServesOnTheCpuAndReportsTheLoadersReason()
    {
        var logs = new LogCapture();
        await using var factory = new InferenceServiceFactory(
            _repository.Root,
            new Dictionary<string, string?> { ["OnnxRuntime:ExecutionProviders"] = "cuda" },
            services => services.AddSingleton<ILogEventSink>(logs));
        using var client = factory.CreateClient();

        await ServiceReadiness.WaitUntilReadyAsync(client);

        using var ready = await client.GetAsync("/v2/models/fixed/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var metadata = JsonDocument.Parse(await client.GetStringAsync("/v2/models/fixed"));
        Assert.Equal(["CPUExecutionProvider"], metadata.RootElement.GetProperty("execution_providers").EnumerateArray().Select(p => p.GetString()));
        var reason = Assert.Single(metadata.RootElement.GetProperty("fallback_reasons").EnumerateArray()).GetString()!;
        // The Gpu package (the default) has the provider but not the CUDA libraries it links; the Cpu package has no provider.
        Assert.Matches("^CUDAExecutionProvider (could not be enabled: its library libonnxruntime_providers_cuda\\.so cannot be loaded: lib\\w+\\.so\\.\\d+: cannot open shared object file|is not part of this ONNX Runtime build)", reason);
        Assert.DoesNotContain("/", reason, StringComparison.Ordinal);

        using var index = await client.PostAsync("/v2/repository/index", null);
        using var entries = JsonDocument.Parse(await index.Content.ReadAsStringAsync());
        var entry = Assert.Single(entries.RootElement.EnumerateArray());
        Assert.Equal(reason, Assert.Single(entry.GetProperty("fallback_reasons").EnumerateArray()).GetString());
        Assert.Contains(logs.Events, e => e.Level == LogEventLevel.Warning && e.RenderMessage(CultureInfo.InvariantCulture).Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_CpuOnly_ReportsNoFallback()
    {
        await using var factory = new InferenceServiceFactory(_repository.Root);
        using var client = factory.CreateClient();

        await ServiceReadiness.WaitUntilReadyAsync(client);

        using var metadata = JsonDocument.Parse(await client.GetStringAsync("/v2/models/fixed"));
        Assert.Equal(["CPUExecutionProvider"], metadata.RootElement.GetProperty("execution_providers").EnumerateArray().Select(p => p.GetString()));
        Assert.False(metadata.RootElement.TryGetProperty("fallback_reasons", out _));
    }

    [Fact]
    public async Task Start_UnknownProvider_FailsNamingIt()
    {
        await using var factory = new InferenceServiceFactory(_repository.Root, new Dictionary<string, string?> { ["OnnxRuntime:ExecutionProviders"] = "cuda, gpu" });

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("OnnxRuntime:ExecutionProviders: unknown execution provider \"gpu\"", error.Message, StringComparison.Ordinal);
    }
}
