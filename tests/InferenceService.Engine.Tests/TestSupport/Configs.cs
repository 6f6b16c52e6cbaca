using System.Text.Json;
using InferenceService.Engine.Repository;

namespace InferenceService.Engine.Tests.TestSupport;

internal static class Configs
{
    /// <summary>A configuration as the scanner reads config.json.</summary>
    public static ModelConfig Parse(string json) =>
        JsonSerializer.Deserialize(json, ModelConfigJsonContext.Default.ModelConfig) ?? throw new InvalidOperationException("null config");
}
