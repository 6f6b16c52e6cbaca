using System.Text.Json;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;

namespace InferenceService.Contracts;

/// <summary>The classification extension's request side: <c>outputs[].parameters.classification</c>, a count of top classes.</summary>
internal static class Classifications
{
    public const string Parameter = "classification";

    /// <summary>The count asked for output <paramref name="name"/>; 0 with a problem added when it cannot be answered.</summary>
    public static int ReadCount(LoadedModel model, string name, JsonElement value, ref RequestProblems problems)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var count) || count < 1)
        {
            problems.Add($"Output '{name}': parameters.{Parameter} must be a whole number of classes, 1 or more.");
            return 0;
        }
        // An unknown output is the pipeline's to report, with the model's output names.
        if (model.FindOutput(name) is { } output && (!output.IsTensor || !TopClasses.CanRank(output.ElementType)))
        {
            problems.Add($"Output '{name}' does not hold numbers, so it has no classes to rank: {Parameter} needs an output of numbers.");
            return 0;
        }
        return count;
    }
}
