using System.Text.Json;
using System.Text.Json.Serialization;

namespace InferenceService.LoadGenerator.Reporting;

/// <summary>
/// The <c>--json</c> file: written by a run, read back by <c>compare</c>, <c>check</c> and <c>throughput</c>. Field
/// names in snake_case, as the server's own wire formats; source-generated, so no reflection at run time.
/// </summary>
internal static class ResultsJson
{
    public static async Task WriteAsync(RunResult result, string path, CancellationToken cancellationToken)
    {
        var stream = File.Create(path);
        await using (stream.ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(stream, result, ResultsJsonContext.Default.RunResult, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a results file; throws <see cref="FormatException"/> with the file's name when it is not one.</summary>
    public static RunResult Read(string path)
    {
        try
        {
            var result = JsonSerializer.Deserialize(File.ReadAllBytes(path), ResultsJsonContext.Default.RunResult);
            return result is { Steps.Count: > 0 } ? result : throw new FormatException($"{path} holds no steps.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path} is not a load generator results file: {e.Message}", e);
        }
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(RunResult))]
internal sealed partial class ResultsJsonContext : JsonSerializerContext;
