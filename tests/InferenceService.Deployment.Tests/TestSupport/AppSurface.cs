using InferenceService.Engine.Jobs;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Repository;
using InferenceService.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace InferenceService.Deployment.Tests.TestSupport;

/// <summary>
/// What the deployment files may name, read from the app itself: its GET routes (from its own endpoint table) and the
/// settings it reads (appsettings.json and the options classes). A file naming anything else is wrong.
/// </summary>
public sealed class AppSurface : IDisposable
{
    private readonly string _emptyRepository = Directory.CreateTempSubdirectory("deployment-tests-").FullName;
    private readonly WebApplicationFactory<Program> _factory;
    private readonly IReadOnlyList<RoutePattern> _getRoutes;

    public AppSurface()
    {
        _factory = Factory(_emptyRepository, configure: null);
        _getRoutes = _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains("GET") == true)
            .Select(e => e.RoutePattern)
            .ToArray();
        Settings = SettingKeys();
    }

    /// <summary>Every setting the app reads, as configuration keys (Section:Key), case-insensitive like configuration.</summary>
    public IReadOnlySet<string> Settings { get; }

    public IEnumerable<string> GetRoutes => _getRoutes.Select(r => r.RawText ?? "");

    /// <summary>Whether a GET of <paramref name="path"/> reaches one of the app's endpoints.</summary>
    public bool HasGetRoute(string path)
    {
        var segments = path.Split('?')[0].Trim('/').Split('/');
        return _getRoutes.Any(route => route.PathSegments.Count == segments.Length && route.PathSegments.Zip(segments).All(pair =>
            pair.First.Parts is [RoutePatternLiteralPart literal] ? literal.Content.Equals(pair.Second, StringComparison.OrdinalIgnoreCase)
            : pair.First.Parts is [RoutePatternParameterPart]));
    }

    public void AssertGetRoute(string path, string where) =>
        Assert.True(HasGetRoute(path), $"{where} names GET {path}, which is not a route of the app. Its GET routes: {string.Join(", ", GetRoutes.Order())}");

    /// <summary>Whether the app reads the configuration key (Serilog's own settings are free-form under "Serilog").</summary>
    public bool IsSetting(string key) =>
        Settings.Contains(key) || key.StartsWith("Serilog:", StringComparison.OrdinalIgnoreCase);

    public void AssertSetting(string key, string where) =>
        Assert.True(IsSetting(key), $"{where} sets '{key}', which the app does not read. Settings it reads: {string.Join(", ", Settings.Order())}");

    /// <summary>Every leaf key of a JSON settings file (as a ConfigMap provides appsettings.Production.json).</summary>
    public static IEnumerable<string> KeysOfJsonFile(string path) =>
        new ConfigurationBuilder().AddJsonFile(path).Build().AsEnumerable(makePathsRelative: true)
            .Where(pair => pair.Value is not null).Select(pair => pair.Key);

    /// <summary>The host's shutdown timeout (how long admitted requests may drain) in Production with this settings file.</summary>
    public static TimeSpan ShutdownTimeoutWith(string appsettingsProductionPath) =>
        ShutdownTimeoutWith(config => config.AddJsonFile(appsettingsProductionPath));

    /// <summary>The host's shutdown timeout with this configuration (a settings file, command-line arguments …).</summary>
    public static TimeSpan ShutdownTimeoutWith(Action<IConfigurationBuilder> configure) =>
        ResolveWith(configure, services => services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);

    /// <summary>How long the app keeps answering after SIGTERM before the host stops (<c>Server:DrainDelaySeconds</c>) with this settings file.</summary>
    public static TimeSpan DrainDelayWith(string appsettingsProductionPath) =>
        DrainDelayWith(config => config.AddJsonFile(appsettingsProductionPath));

    /// <summary>The drain delay with this configuration (a settings file, command-line arguments …).</summary>
    public static TimeSpan DrainDelayWith(Action<IConfigurationBuilder> configure) =>
        ResolveWith(configure, services => services.GetRequiredService<IOptions<DrainOptions>>().Value.DrainDelay);

    private static T ResolveWith<T>(Action<IConfigurationBuilder> configure, Func<IServiceProvider, T> read)
    {
        var repository = Directory.CreateTempSubdirectory("deployment-tests-").FullName;
        try
        {
            using var factory = Factory(repository, configure);
            return read(factory.Services);
        }
        finally
        {
            Directory.Delete(repository, recursive: true);
        }
    }

    public void Dispose()
    {
        _factory.Dispose();
        Directory.Delete(_emptyRepository, recursive: true);
    }

    private static WebApplicationFactory<Program> Factory(string repository, Action<IConfigurationBuilder>? configure) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment(Environments.Production);
            host.UseSetting("ModelRepository:Path", repository);
            if (configure is not null)
            {
                host.ConfigureAppConfiguration((_, config) =>
                {
                    configure(config);
                    // A settings file that shares state across replicas names servers these tests do not run: what
                    // is read from it here (drain and shutdown times) does not depend on them.
                    config.AddInMemoryCollection(new Dictionary<string, string?>
                    {
                        ["Accuracy:Store"] = "memory",
                        ["Jobs:Database"] = "sqlite",
                        ["Jobs:Directory"] = Path.Combine(repository, "jobs"),
                    });
                });
            }
        });

    private static HashSet<string> SettingKeys()
    {
        var keys = new HashSet<string>(KeysOfJsonFile(RepositoryFiles.PathOf("src/InferenceService/appsettings.json")), StringComparer.OrdinalIgnoreCase);
        foreach (var (section, type) in new[]
        {
            (ModelRepositoryOptions.SectionName, typeof(ModelRepositoryOptions)),
            (OnnxRuntimeOptions.SectionName, typeof(OnnxRuntimeOptions)),
            (AccuracyOptions.SectionName, typeof(AccuracyOptions)),
            (JobsOptions.SectionName, typeof(JobsOptions)),
        })
        {
            AddKeys(keys, section, type);
        }
        return keys;
    }

    /// <summary>The settings an options class binds, nested option classes of the app (Accuracy:Redis:…) included.</summary>
    private static void AddKeys(HashSet<string> keys, string section, Type type)
    {
        foreach (var property in type.GetProperties().Where(p => p.CanWrite))
        {
            if (property.PropertyType.IsClass && property.PropertyType.Namespace?.StartsWith("InferenceService", StringComparison.Ordinal) == true)
            {
                AddKeys(keys, $"{section}:{property.Name}", property.PropertyType);
            }
            else
            {
                keys.Add($"{section}:{property.Name}");
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AppSurfaceCollection : ICollectionFixture<AppSurface>
{
    public const string Name = "app surface";
}
