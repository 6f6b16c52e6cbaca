using System.Text.Json;
using InferenceService.Engine;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;

namespace InferenceService.Contracts;

/// <summary>One output answered as its top classes: the "value:index[:label]" elements (BYTES) and their shape.</summary>
internal sealed record ClassifiedOutput(string[] Values, long[] Shape);

/// <summary>
/// The classification extension, for every wire form: <c>outputs[].parameters.classification</c>, a count of top
/// classes (a JSON number over HTTP, an int64 parameter over gRPC), checked the same way, and the ranking of the
/// outputs that asked for it, with the output's labels where it has them.
/// </summary>
internal static class Classifications
{
    public const string Parameter = "classification";

    /// <summary>The count asked for output <paramref name="name"/> in JSON; 0 with a problem added when it cannot be answered.</summary>
    public static int ReadCount(LoadedModel model, string name, JsonElement value, ref RequestProblems problems) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count)
            ? Check(model, name, count, ref problems)
            : Check(model, name, 0, ref problems);

    /// <summary>Whether <paramref name="count"/> classes of output <paramref name="name"/> can be answered; 0 with a problem added when not.</summary>
    public static int Check(LoadedModel model, string name, long count, ref RequestProblems problems)
    {
        if (count < 1 || count > int.MaxValue)
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
        return (int)count;
    }

    /// <summary>The classes of each output asked for as a classification (null entries for the others); null when none was.</summary>
    public static ClassifiedOutput?[]? Classify(InferenceResult result, OutputChoices? choices)
    {
        if (choices is null)
        {
            return null;
        }
        ClassifiedOutput?[]? classified = null;
        for (var i = 0; i < result.Outputs.Count; i++)
        {
            var count = choices.ClassificationOf(i);
            if (count > 0)
            {
                var labels = result.LoadedModelOf().Labels.TryGetValue(result.Outputs[i].Name, out var found) ? found : null;
                var values = TopClasses.Rank(result.Values[i], count, labels, out var shape);
                (classified ??= new ClassifiedOutput?[result.Outputs.Count])[i] = new ClassifiedOutput(values, shape);
            }
        }
        return classified;
    }
}
