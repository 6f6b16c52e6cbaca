using System.Net;
using InferenceService.Api.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceService.Api.Tests.Security;

/// <summary>The audit every in-memory service runs on its error bodies (see <see cref="ErrorBodyAudit"/>) can fail.</summary>
public sealed class ErrorBodyAuditTests : IDisposable
{
    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder().AddSampleModel("iris");

    public void Dispose() => _repository.Dispose();

    /// <summary>Answers /leak-probe with what must never be in an error body, inside the audit.</summary>
    private sealed class LeakingRoute : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Path != "/leak-probe")
                {
                    return nextMiddleware(context);
                }
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return context.Response.WriteAsync($"System.InvalidOperationException at {Path.GetTempPath()}x only-infer{ErrorBodyAudit.TestKeySuffix}");
            });
            next(app);
        };
    }

    private static async Task WaitForAsync(Func<bool> done)
    {
        for (var i = 0; i < 500 && !done(); i++)
        {
            await Task.Delay(10);
        }
        Assert.True(done());
    }

    [Fact]
    public async Task Audit_LeakingErrorBody_IsFound_AndCleanErrorBodiesAreNot()
    {
        var factory = new InferenceServiceFactory(_repository.Root, configureServices: services => services.AddSingleton<IStartupFilter>(new LeakingRoute()));
        try
        {
            using var client = factory.CreateClient();
            await ServiceReadiness.WaitUntilReadyAsync(client); // the repository loads as the host starts: 503 until then
            var checkedBefore = factory.Audit.Checked;
            using var clean = await client.PostJsonTextAsync("/v2/models/iris/infer", "not json");
            Assert.Equal(HttpStatusCode.BadRequest, clean.StatusCode);
            // The audit reads the body once the answer is written, which the client may see a moment before.
            await WaitForAsync(() => factory.Audit.Checked > checkedBefore);
            Assert.Empty(factory.Audit.Leaks);

            using var leaking = await client.GetAsync("/leak-probe");
            Assert.Equal(HttpStatusCode.BadRequest, leaking.StatusCode);
            await WaitForAsync(() => factory.Audit.Leaks.Count >= 3);
            var leaks = factory.Audit.Leaks;
            Assert.Contains(leaks, l => l.Contains("'System.'", StringComparison.Ordinal));
            Assert.Contains(leaks, l => l.Contains("'Exception'", StringComparison.Ordinal));
            Assert.Contains(leaks, l => l.Contains(ErrorBodyAudit.TestKeySuffix, StringComparison.Ordinal));
        }
        finally
        {
            factory.Audit.Forget();
            await factory.DisposeAsync();
        }
    }
}
