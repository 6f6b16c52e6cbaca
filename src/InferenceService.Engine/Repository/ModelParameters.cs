using System.Globalization;
using InferenceService.Engine.Onnx;

namespace InferenceService.Engine.Repository;

/// <summary>
/// The ONNX Runtime options a model's <c>parameters</c> may set, parsed and checked. Triton's ONNX Runtime backend
/// names (<c>intra_op_thread_count</c>, <c>inter_op_thread_count</c>) are accepted as aliases.
/// </summary>
public sealed record ModelParameters
{
    public int? IntraOpThreads { get; init; }

    public int? InterOpThreads { get; init; }

    public GraphOptimizationLevel GraphOptimizationLevel { get; init; } = GraphOptimizationLevel.All;

    public ExecutionMode ExecutionMode { get; init; } = ExecutionMode.Sequential;

    public bool EnableMemoryArena { get; init; } = true;

    /// <summary>Whether idle intra-op threads spin. Off by default: on a shared server, spinning steals cores from other models.</summary>
    public bool AllowSpinning { get; init; }

    /// <summary>Execution providers in order of preference ("cuda", "tensorrt", "cpu"); empty: the instance kind decides.</summary>
    public IReadOnlyList<string> ExecutionProviders { get; init; } = [];

    /// <summary>Fail the load rather than run on the CPU when a GPU provider cannot be used.</summary>
    public bool RequireGpu { get; init; }

    /// <summary>The names this server understands, for the error that lists them.</summary>
    public static readonly IReadOnlyList<string> KnownNames =
    [
        "intra_op_num_threads", "inter_op_num_threads", "graph_optimization_level", "execution_mode",
        "enable_memory_arena", "allow_spinning", "execution_provider", "require_gpu",
    ];

    /// <summary>Parses the parameters, adding one line to <paramref name="problems"/> for each one that is wrong.</summary>
    public static ModelParameters Parse(IReadOnlyDictionary<string, ParameterValue>? parameters, List<string> problems)
    {
        var result = new ModelParameters();
        if (parameters is null)
        {
            return result;
        }
        foreach (var (rawName, parameter) in parameters)
        {
            var name = rawName switch
            {
                "intra_op_thread_count" => "intra_op_num_threads",
                "inter_op_thread_count" => "inter_op_num_threads",
                _ => rawName,
            };
            var value = parameter?.StringValue?.Trim();
            if (value is null)
            {
                problems.Add($"parameters.{rawName}: a \"string_value\" is required.");
                continue;
            }
            result = name switch
            {
                "intra_op_num_threads" => result with { IntraOpThreads = ParseThreads(rawName, value, problems) },
                "inter_op_num_threads" => result with { InterOpThreads = ParseThreads(rawName, value, problems) },
                "graph_optimization_level" => result with { GraphOptimizationLevel = ParseEnum(rawName, value, GraphOptimizationLevel.All, problems) },
                "execution_mode" => result with { ExecutionMode = ParseEnum(rawName, value, ExecutionMode.Sequential, problems) },
                "enable_memory_arena" => result with { EnableMemoryArena = ParseBool(rawName, value, true, problems) },
                "allow_spinning" => result with { AllowSpinning = ParseBool(rawName, value, false, problems) },
                "require_gpu" => result with { RequireGpu = ParseBool(rawName, value, false, problems) },
                "execution_provider" => result with { ExecutionProviders = ParseProviders(rawName, value, problems) },
                _ => Unknown(rawName, result, problems),
            };
        }
        return result;
    }

    private static ModelParameters Unknown(string name, ModelParameters result, List<string> problems)
    {
        problems.Add($"parameters.{name} is not a known parameter (known: {string.Join(", ", KnownNames)}).");
        return result;
    }

    private static int? ParseThreads(string name, string value, List<string> problems)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var threads) && threads is >= 0 and <= 1024)
        {
            return threads;
        }
        problems.Add($"parameters.{name} must be a whole number from 0 (ONNX Runtime's default) to 1024, not \"{value}\".");
        return null;
    }

    private static bool ParseBool(string name, string value, bool fallback, List<string> problems)
    {
        if (bool.TryParse(value, out var result))
        {
            return result;
        }
        problems.Add($"parameters.{name} must be \"true\" or \"false\", not \"{value}\".");
        return fallback;
    }

    private static T ParseEnum<T>(string name, string value, T fallback, List<string> problems) where T : struct, Enum
    {
        var normalized = value.Replace("_", "", StringComparison.Ordinal);
        // Enum.TryParse also takes numbers and comma lists ("basic,extended" → 3): only a single defined name is a value.
        if (!int.TryParse(value, out _) && !value.Contains(',', StringComparison.Ordinal)
            && Enum.TryParse<T>(normalized, ignoreCase: true, out var result) && Enum.IsDefined(result))
        {
            return result;
        }
        var names = Enum.GetNames<T>().Select(n => string.Concat(n.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString())));
        problems.Add($"parameters.{name} must be one of {string.Join(", ", names)}, not \"{value}\".");
        return fallback;
    }

    private static string[] ParseProviders(string name, string value, List<string> problems) =>
        ParseExecutionProviders(value, $"parameters.{name}", problems);

    /// <summary>A comma-separated list of execution providers (cuda, tensorrt, cpu), lower-cased; unknown names are reported.</summary>
    public static string[] ParseExecutionProviders(string value, string where, List<string> problems)
    {
        var providers = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.ToLowerInvariant()).ToArray();
        foreach (var provider in providers.Where(p => p is not ("cpu" or "cuda" or "tensorrt")))
        {
            problems.Add($"{where}: unknown execution provider \"{provider}\" (known: cuda, tensorrt, cpu).");
        }
        return providers;
    }
}
