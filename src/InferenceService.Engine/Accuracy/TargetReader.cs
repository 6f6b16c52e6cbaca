using System.Text;
using System.Text.Json;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Accuracy;

/// <summary>The rows of one output scored against its targets, ready to add to the output's windows.</summary>
public sealed record ScoredOutput(OutputTracker Output, ClassRow[]? Classes, NumericRow[]? Numbers);

/// <summary>
/// Reads ground truth, <c>{"&lt;output&gt;": [true value per row]}</c>, against a prediction, and pairs every row
/// with what was predicted. Everything is checked before anything is counted, so a bad target never half-scores a
/// prediction. A classification target is a class name (when the output has labels) or a class index; a numeric
/// target is a number per value, in the output's per-row shape (a bare number for one value per row).
/// </summary>
internal static class TargetReader
{
    // Client text quoted in a message is cut here, so an error body never grows with the request.
    private const int MaxEchoedLength = 40;

    /// <param name="prediction">The prediction to score.</param>
    /// <param name="targets">The targets object.</param>
    /// <param name="where">Where the targets sit in the request, for messages ("targets", "parameters.targets").</param>
    /// <param name="maxClasses">The bound on class indices of outputs without labels.</param>
    /// <exception cref="InferenceException">The targets do not fit the prediction (400).</exception>
    public static IReadOnlyList<ScoredOutput> Read(Prediction prediction, JsonElement targets, string where, int maxClasses)
    {
        if (targets.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"\"{where}\" must be an object holding, per output name, the true value of each row, e.g. {{\"{ExampleOutput(prediction)}\": [...]}}.");
        }
        var scored = new List<ScoredOutput>();
        foreach (var target in targets.EnumerateObject())
        {
            var output = prediction.Find(target.Name) ?? throw Invalid(
                $"{where}: the prediction has no output '{Echo(target.Name)}' to score (scorable outputs of this prediction: {Names(prediction)}).");
            if (scored.Any(s => s.Output.Name == target.Name))
            {
                throw Invalid($"{where}: output '{Echo(target.Name)}' is given more than once.");
            }
            if (!output.IsKept)
            {
                throw Invalid($"{where}: output '{target.Name}' held {output.ValueCount} values, too many to keep for feedback; send its targets with the request instead.");
            }
            var name = $"{where} '{target.Name}'";
            scored.Add(output.Classes is not null
                ? new ScoredOutput(output.Output, ReadClasses(name, target.Value, output, maxClasses), null)
                : new ScoredOutput(output.Output, null, ReadNumbers(name, target.Value, output)));
        }
        if (scored.Count == 0)
        {
            throw Invalid($"\"{where}\" names no output; give the true values of at least one of: {Names(prediction)}.");
        }
        return scored;
    }

    private static ClassRow[] ReadClasses(string name, JsonElement target, OutputPrediction output, int maxClasses)
    {
        RequireRows(name, target, output.Rows);
        var rows = new ClassRow[output.Rows];
        var labels = output.Output.Labels;
        var r = 0;
        foreach (var element in target.EnumerateArray())
        {
            rows[r] = new ClassRow(ClassOf($"{name} row {r}", element, output.Output, labels, maxClasses), output.Classes![r]);
            r++;
        }
        return rows;
    }

    private static long ClassOf(string where, JsonElement element, OutputTracker output, IReadOnlyList<string>? labels, int maxClasses)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            var text = element.GetString()!;
            if (labels is null)
            {
                throw Invalid($"{where}: output '{output.Name}' has no label file, so its targets are class indices (integers), not names like \"{Echo(text)}\".");
            }
            for (var c = 0; c < labels.Count; c++)
            {
                if (labels[c] == text)
                {
                    return c;
                }
            }
            throw Invalid($"{where}: \"{Echo(text)}\" is not a class of output '{output.Name}' (its classes: {Classes(labels)}).");
        }
        if (element.ValueKind == JsonValueKind.Number)
        {
            var classes = labels?.Count ?? maxClasses;
            if (!element.TryGetInt64(out var index))
            {
                // 2.0 or 1e1 is an integer written another way; 2.5 is not.
                if (!element.TryGetDouble(out var number) || !double.IsInteger(number) || Math.Abs(number) > 1e15)
                {
                    throw Invalid($"{where}: {Echo(element.GetRawText())} is not a class index (an integer).");
                }
                index = (long)number;
            }
            if (index < 0 || index >= classes)
            {
                throw Invalid(labels is null
                    ? $"{where}: class index {index} is out of range: output '{output.Name}' takes class indices from 0 to {classes - 1}."
                    : $"{where}: class index {index} is out of range: output '{output.Name}' has {classes} classes (0 to {classes - 1}).");
            }
            return index;
        }
        throw Invalid($"{where}: expected {(labels is null ? "a class index" : "a class name or a class index")}, got {Describe(element)}.");
    }

    private static NumericRow[] ReadNumbers(string name, JsonElement target, OutputPrediction output)
    {
        RequireRows(name, target, output.Rows);
        var perRow = output.ValuesPerRow;
        var rows = new NumericRow[output.Rows];
        Span<double> actual = perRow <= 256 ? stackalloc double[perRow] : new double[perRow];
        var r = 0;
        foreach (var element in target.EnumerateArray())
        {
            var where = $"{name} row {r}";
            var count = 0;
            Flatten(where, element, actual, ref count, 0);
            if (count != perRow)
            {
                throw Invalid($"{where} holds {count} {(count == 1 ? "number" : "numbers")}, but the output has {perRow} per row.");
            }
            var predicted = output.Values.AsSpan(r * perRow, perRow);
            double absolute = 0, squared = 0;
            var finite = 0;
            for (var i = 0; i < perRow; i++)
            {
                // A value the model answered as NaN or infinity has no error to average: it is left out of the row.
                if (!double.IsFinite(predicted[i]))
                {
                    continue;
                }
                var error = predicted[i] - actual[i];
                absolute += Math.Abs(error);
                squared += error * error;
                finite++;
            }
            rows[r++] = new NumericRow(absolute, squared, finite);
        }
        return rows;
    }

    /// <summary>Collects the numbers of one row, nested as the output's per-row shape (or flat), in row-major order.</summary>
    private static void Flatten(string where, JsonElement element, Span<double> destination, ref int count, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                if (!element.TryGetDouble(out var number) || !double.IsFinite(number))
                {
                    throw Invalid($"{where}: {Echo(element.GetRawText())} is out of range for a number.");
                }
                if (count < destination.Length)
                {
                    destination[count] = number;
                }
                count++;
                return;
            case JsonValueKind.Array when depth < 32:
                foreach (var inner in element.EnumerateArray())
                {
                    Flatten(where, inner, destination, ref count, depth + 1);
                }
                return;
            default:
                throw Invalid($"{where}: expected a number, got {Describe(element)}.");
        }
    }

    private static void RequireRows(string name, JsonElement target, int rows)
    {
        if (target.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"{name} must be an array with one true value per row ({Rows(rows)}), not {Describe(target)}.");
        }
        var given = target.GetArrayLength();
        if (given != rows)
        {
            throw Invalid($"{name} has {given} {(given == 1 ? "value" : "values")}, but the prediction has {Rows(rows)}: give one true value per row.");
        }
    }

    private static InferenceException Invalid(string message) => InferenceException.InvalidInput(message);

    private static string Rows(int rows) => rows == 1 ? "1 row" : $"{rows} rows";

    private static string Names(Prediction prediction) =>
        prediction.Outputs.Count == 0 ? "none" : string.Join(", ", prediction.Outputs.Select(o => o.Output.Name));

    private static string ExampleOutput(Prediction prediction) => prediction.Outputs.Count > 0 ? prediction.Outputs[0].Output.Name : "output";

    private static string Classes(IReadOnlyList<string> labels) =>
        labels.Count <= 20 ? string.Join(", ", labels) : string.Join(", ", labels.Take(20)) + $", ... ({labels.Count} in all)";

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => $"the string \"{Echo(element.GetString()!)}\"",
        JsonValueKind.Number => $"the number {Echo(element.GetRawText())}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    /// <summary>A client's text (an id, a name) as quoted in a message: cut to a bounded length.</summary>
    internal static string Echo(string text)
    {
        if (text.Length <= MaxEchoedLength)
        {
            return text;
        }
        // Never cut a surrogate pair in half: a lone surrogate is not valid text to write back.
        var cut = char.IsHighSurrogate(text[MaxEchoedLength - 1]) ? MaxEchoedLength - 1 : MaxEchoedLength;
        return new StringBuilder().Append(text.AsSpan(0, cut)).Append("...").ToString();
    }
}
