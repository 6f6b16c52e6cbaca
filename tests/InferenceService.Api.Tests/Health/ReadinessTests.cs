using System.Net;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace InferenceService.Api.Tests.Health;

/// <summary>
/// Readiness waits for the host to have started, so that no endpoint is reported ready while another is still being
/// bound: the same registry, options and drain state as a running server, with a lifetime that has not started yet.
/// </summary>
public sealed class ReadinessTests : IDisposable
{
    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder().AddSampleModel("iris");
    private readonly InferenceServiceFactory _factory;

    public ReadinessTests() => _factory = new InferenceServiceFactory(_repository.Root);

    public void Dispose()
    {
        _factory.Dispose();
        _repository.Dispose();
    }

    [Fact]
    public async Task IsReady_ModelsLoadedButTheHostNotStarted_IsFalseUntilItHas()
    {
        using var client = _factory.CreateClient();
        await ServiceReadiness.WaitForStatusAsync(client, "/v2/health/ready", HttpStatusCode.OK);
        using var lifetime = new NotYetStartedLifetime();
        var readiness = ActivatorUtilities.CreateInstance<Readiness>(_factory.Services, (IHostApplicationLifetime)lifetime);

        Assert.False(readiness.IsReady);
        lifetime.Start();
        Assert.True(readiness.IsReady);
    }

    private sealed class NotYetStartedLifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _started = new();
        private readonly CancellationTokenSource _stopping = new();
        private readonly CancellationTokenSource _stopped = new();

        public CancellationToken ApplicationStarted => _started.Token;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => _stopped.Token;

        public void Start() => _started.Cancel();

        public void StopApplication() => _stopping.Cancel();

        public void Dispose()
        {
            _started.Dispose();
            _stopping.Dispose();
            _stopped.Dispose();
        }
    }
}
