using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// The service in memory, serving <paramref name="repositoryPath"/>, with optional extra settings and service
/// replacements (applied after Program's own registrations, so they win). Anonymous loopback management is on.
/// </summary>
public sealed class InferenceServiceFactory(
    string repositoryPath,
    IReadOnlyDictionary<string, string?>? settings = null,
    Action<IServiceCollection>? configureServices = null) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ModelRepository:Path", repositoryPath);
        // The test host is this process: its callers may manage the repository (POST /v2/repository/index) unless a
        // test's settings say otherwise.
        builder.UseSetting("Authentication:AnonymousLoopbackManagement", "true");
        // No gRPC port of its own: in-memory hosts (and Kestrel fixtures on a free port) run side by side.
        builder.UseSetting("Grpc:Url", "");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(Audit));
        if (configureServices is not null)
        {
            builder.ConfigureServices(configureServices);
        }
    }

    /// <summary>Every error body this service gave, checked for internals and keys.</summary>
    public ErrorBodyAudit Audit { get; } = new();

    /// <summary>Stops the service, then fails if any error body it gave leaked a path, a stack trace, a type name or a key.</summary>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Assert.True(Audit.Leaks.Count == 0, "Error bodies leaked internals:\n" + string.Join("\n", Audit.Leaks));
    }
}
