namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// The iris sample (versions 1 and 2) beside a model that fails to load, served through Kestrel (so Kestrel's own
/// metrics exist) without strict readiness; started once every version has loaded or failed.
/// </summary>
public sealed class IrisAndBrokenModelFixture : ServiceFixture
{
    protected override bool UseKestrel => true;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["ModelRepository:StrictReadiness"] = "false" };

    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository
        .AddSampleModel("iris")
        .AddModel("broken", "corrupt.onnx");

    protected override Task WaitUntilStartedAsync(HttpClient client) => ServiceReadiness.WaitUntilLoadedAsync(client, entries: 3);
}

/// <summary>The iris sample alone, in memory.</summary>
public sealed class IrisFixture : ServiceFixture
{
    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository.AddSampleModel("iris");
}

/// <summary>
/// The models the Grafana dashboard test sends traffic to: identity_float with a label file (a classifier: its three
/// values are the scores of classes a, b and c) and without one (a regressor, scored by MAE and RMSE).
/// </summary>
public class DashboardModelsFixture : ServiceFixture
{
    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository
        .AddModel("classifier", "identity_float.onnx")
        .WithLabels("classifier", "labels.txt", "a", "b", "c")
        .WithConfig("classifier", """{ "output": [{ "name": "y", "label_filename": "labels.txt" }] }""")
        .AddModel("regressor", "identity_float.onnx");
}

/// <summary>
/// The dashboard's models served through Kestrel on a free loopback port, for a real Prometheus to scrape over HTTP
/// (its client's BaseAddress is that port).
/// </summary>
public sealed class KestrelDashboardModelsFixture : DashboardModelsFixture
{
    protected override bool UseKestrel => true;
}

/// <summary>Starts a fixture outside xunit's class fixtures, for tests that need a host of their own (exact counts).</summary>
public static class OwnService
{
    public static async Task<T> StartAsync<T>() where T : ServiceFixture, new()
    {
        var service = new T();
        await service.InitializeAsync();
        return service;
    }
}
