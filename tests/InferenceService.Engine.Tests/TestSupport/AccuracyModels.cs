using InferenceService.Engine.Repository;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Tests.TestSupport;

/// <summary>
/// Loaded models whose outputs the accuracy code reads, and inference results built from chosen output values (no Run
/// needed: the tracker only reads the outputs).
/// </summary>
internal static class AccuracyModels
{
    public static readonly IReadOnlyList<string> IrisLabels = ["setosa", "versicolor", "virginica"];

    /// <summary>The iris sample, version 1: probabilities FP32 [batch, 3] and label INT64 [batch], both labelled.</summary>
    public static LoadedModel Iris(long version = 1) => new(
        "iris", version, new ModelConfig(),
        new SessionPool([OnnxSession.Create(SampleModel("iris", 1))]),
        new Dictionary<string, IReadOnlyList<string>> { ["probabilities"] = IrisLabels, ["label"] = IrisLabels });

    /// <summary>identity_float: y FP32 [batch, 3], no labels, so scored as numbers.</summary>
    public static LoadedModel IdentityFloat(string name = "regressor", long version = 1) => new(
        name, version, new ModelConfig(),
        new SessionPool([OnnxSession.Create(TempRepository.TestModel("identity_float.onnx"))]),
        new Dictionary<string, IReadOnlyList<string>>());

    /// <summary>identity_float with a label file on y, so its three columns are class scores.</summary>
    public static LoadedModel LabelledScores(params string[] labels) => new(
        "scores", 1, new ModelConfig(),
        new SessionPool([OnnxSession.Create(TempRepository.TestModel("identity_float.onnx"))]),
        new Dictionary<string, IReadOnlyList<string>> { ["y"] = labels });

    /// <summary>An iris result: the given class per row (as the label output) and scores that make it the argmax.</summary>
    public static InferenceResult IrisResult(LoadedModel iris, params long[] classes)
    {
        var scores = new float[classes.Length * 3];
        for (var r = 0; r < classes.Length; r++)
        {
            for (var c = 0; c < 3; c++)
            {
                scores[(r * 3) + c] = c == classes[r] ? 0.75f : 0.125f;
            }
        }
        return Result(iris,
            OrtValue.CreateTensor<float>(scores, [classes.Length, 3]),
            OrtValue.CreateTensor<long>(classes.ToArray(), [classes.Length]));
    }

    /// <summary>A result of a one-output model: y FP32 [rows, 3].</summary>
    public static InferenceResult FloatResult(LoadedModel model, float[] values) =>
        Result(model, OrtValue.CreateTensor<float>(values, [values.Length / 3, 3]));

    /// <summary>A result owning <paramref name="values"/>, as a Run of one request hands them over.</summary>
    public static InferenceResult Result(LoadedModel model, params OrtValue[] values) =>
        new(model, model.Outputs, [.. values.Select(OutputTensor.Whole)], default, new BatchOutputs(values, references: 1).Reference());

    private static string SampleModel(string name, long version)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "models", name, version.ToString(System.Globalization.CultureInfo.InvariantCulture), "model.onnx");
            if (File.Exists(Path.Combine(dir.FullName, "InferenceService.sln")) && File.Exists(path))
            {
                return path;
            }
        }
        throw new FileNotFoundException($"The sample model {name} version {version} was not found above the test binaries.");
    }
}
