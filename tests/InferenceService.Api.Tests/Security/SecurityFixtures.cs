using InferenceService.Api.Tests.TestSupport;
using InferenceService.Security;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace InferenceService.Api.Tests.Security;

/// <summary>
/// Keys for the scope tests: for each scope, one key with only that scope (id = the scope) and one with every scope
/// but it (id = "no-" + the scope). Half are configured by their hash, half by the key itself.
/// </summary>
public static class TestKeys
{
    public static string Only(string scope) => $"only-{scope}-0123456789abcdef";

    public static string AllBut(string scope) => $"all-but-{scope}-0123456789abcdef";

    public static Dictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?>();
        var index = 0;
        foreach (var scope in Scopes.All)
        {
            Add(settings, index++, scope, Only(scope), [scope], hashed: true);
            Add(settings, index++, "no-" + scope, AllBut(scope), Scopes.All.Where(s => s != scope).ToArray(), hashed: false);
        }
        return settings;
    }

    public static void Add(Dictionary<string, string?> settings, int index, string id, string key, string[] scopes, bool hashed)
    {
        var prefix = $"Authentication:ApiKeys:{index}:";
        settings[prefix + "Id"] = id;
        settings[prefix + (hashed ? "KeyHash" : "Key")] = hashed ? ApiKeys.HashOf(key) : key;
        for (var i = 0; i < scopes.Length; i++)
        {
            settings[$"{prefix}Scopes:{i}"] = scopes[i];
        }
    }
}

/// <summary>The iris sample behind API keys (<see cref="TestKeys"/>), with its log captured.</summary>
public sealed class KeyedServiceFixture : ServiceFixture
{
    public LogCapture Logs { get; } = new();

    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository.AddSampleModel("iris");

    protected override IReadOnlyDictionary<string, string?>? Settings
    {
        get
        {
            var settings = TestKeys.Settings();
            settings["Authentication:AnonymousLoopbackManagement"] = "false";
            return settings;
        }
    }

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ILogEventSink>(Logs);
}

/// <summary>The iris sample with no key configured: the embedded defaults.</summary>
public sealed class OpenServiceFixture : ServiceFixture
{
    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository.AddSampleModel("iris");

    protected override IReadOnlyDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Authentication:AnonymousLoopbackManagement"] = "false",
    };
}

/// <summary>No key configured, anonymous loopback management on, served by Kestrel on loopback.</summary>
public sealed class LoopbackManagementFixture : ServiceFixture
{
    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository.AddSampleModel("iris");

    protected override IReadOnlyDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Authentication:AnonymousLoopbackManagement"] = "true",
    };

    protected override bool UseKestrel => true;
}

/// <summary>Keys configured, and anonymous callers given the metrics scope only.</summary>
public sealed class AnonymousMetricsFixture : ServiceFixture
{
    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository.AddSampleModel("iris");

    protected override IReadOnlyDictionary<string, string?>? Settings
    {
        get
        {
            var settings = TestKeys.Settings();
            settings["Authentication:AnonymousScopes"] = "metrics";
            settings["Authentication:AnonymousLoopbackManagement"] = "false";
            return settings;
        }
    }
}
