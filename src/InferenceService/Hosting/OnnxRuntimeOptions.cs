using InferenceService.Engine.Repository;
using InferenceService.Engine.Onnx;
using Microsoft.Extensions.Options;

namespace InferenceService.Hosting;

/// <summary>The <c>OnnxRuntime</c> configuration section.</summary>
internal sealed class OnnxRuntimeOptions
{
    public const string SectionName = "OnnxRuntime";

    /// <summary>A custom native ONNX Runtime library to load instead of the NuGet package's (your own build). Empty: the package's.</summary>
    public string? LibraryPath { get; set; }

    /// <summary>
    /// The execution providers of models whose config.json chooses none, comma-separated in order of preference
    /// (<c>cuda</c>, <c>tensorrt</c>, <c>cpu</c>). Empty: the CPU. The GPU image's deployments set <c>cuda</c>.
    /// </summary>
    public string? ExecutionProviders { get; set; }

    /// <summary>The least severe ONNX Runtime message that reaches the log.</summary>
    public OnnxLogLevel LogLevel { get; set; } = OnnxLogLevel.Warning;

    /// <summary>Whether ONNX Runtime may send its usage telemetry to Microsoft. False: turned off (see <see cref="OnnxRuntimeEnvironmentOptions.Telemetry"/>).</summary>
    public bool Telemetry { get; set; }

    /// <summary>The process-wide environment these settings describe, its log going to <paramref name="loggers"/>.</summary>
    public OnnxRuntimeEnvironmentOptions ToEnvironmentOptions(ILoggerFactory loggers) =>
        new() { LibraryPath = LibraryPath, LogLevel = LogLevel, LoggerFactory = loggers, Telemetry = Telemetry };

    /// <summary>The providers <see cref="ExecutionProviders"/> names, lower-cased; unknown names are added to <paramref name="problems"/>.</summary>
    public string[] ExecutionProviderList(List<string> problems) =>
        ModelParameters.ParseExecutionProviders(ExecutionProviders ?? "", $"{SectionName}:{nameof(ExecutionProviders)}", problems);
}

/// <summary>Refuses to start with an execution provider name that no model could use, naming it.</summary>
internal sealed class OnnxRuntimeOptionsValidator : IValidateOptions<OnnxRuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, OnnxRuntimeOptions options)
    {
        var problems = new List<string>();
        options.ExecutionProviderList(problems);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
