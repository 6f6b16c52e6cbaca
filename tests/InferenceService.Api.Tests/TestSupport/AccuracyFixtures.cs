using Microsoft.Extensions.DependencyInjection;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// Models for accuracy tests, each used by one test so scores never mix: identity_float served with a label file
/// (its three values are class scores a, b, c, so the input picks the predicted class), identity_float without one
/// (scored as numbers), and the iris sample. Row windows of 2 and 1,000 rows, the default hour, a manual clock.
/// </summary>
public sealed class AccuracyModelsFixture : ServiceFixture
{
    public static readonly string[] ClassifierNames = ["scripted", "rolling", "rolling_hour", "inline_predict", "inline_infer", "errors", "signals", "versions", "versions_both", "metrics"];

    public static readonly string[] RegressorNames = ["regressor", "regressor_inline"];

    public ManualTimeProvider Time { get; } = new();

    protected override void BuildRepository(ModelRepositoryBuilder repository)
    {
        repository.AddSampleModel("iris");
        foreach (var name in ClassifierNames)
        {
            repository.AddModel(name, "identity_float.onnx", name.StartsWith("versions", StringComparison.Ordinal) ? [1, 2] : [])
                .WithLabels(name, "labels.txt", "a", "b", "c")
                .WithConfig(name, """
                    {
                      "version_policy": { "all": {} },
                      "output": [{ "name": "y", "label_filename": "labels.txt" }]
                    }
                    """);
        }
        foreach (var name in RegressorNames)
        {
            repository.AddModel(name, "identity_float.onnx");
        }
    }

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Accuracy:RowWindows:0"] = "2",
        ["Accuracy:RowWindows:1"] = "1000",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Time);
}

/// <summary>A store of two predictions that live ten minutes, on a manual clock, to watch predictions leave it.</summary>
public sealed class AccuracyEvictionFixture : ServiceFixture
{
    public ManualTimeProvider Time { get; } = new();

    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository
        .AddModel("by_count", "identity_float.onnx")
        .AddModel("by_age", "identity_float.onnx");

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Accuracy:MaxStoredPredictions"] = "2",
        ["Accuracy:PredictionTtl"] = "00:10:00",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Time);
}
