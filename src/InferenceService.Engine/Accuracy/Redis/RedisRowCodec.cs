using System.Globalization;
using StackExchange.Redis;

namespace InferenceService.Engine.Accuracy.Redis;

/// <summary>
/// Rows as the short text elements of a row list, and the fields of a time bucket's hash. Doubles are written in their
/// round-trip form, so a summary read back equals the one written.
/// </summary>
internal static class RedisRowCodec
{
    public const string ConfidenceRowsField = "cn";
    public const string ConfidenceSumField = "cs";
    public const string RowsField = "n";
    public const string ValuesField = "v";
    public const string AbsoluteField = "a";
    public const string SquaredField = "s";

    public static RedisValue Encode(ClassRow row) => $"{Text(row.Actual)} {Text(row.Predicted)}";

    public static RedisValue Encode(NumericRow row) => $"{Text(row.AbsoluteError)} {Text(row.SquaredError)} {Text(row.Values)}";

    public static RedisValue Encode(PredictedRow row) =>
        $"{Text(row.Class)} {(double.IsNaN(row.Confidence) ? "n" : Text(row.Confidence))}";

    public static string PairField(ClassRow row) => $"p:{Text(row.Actual)}:{Text(row.Predicted)}";

    public static string ClassField(long predicted) => $"c:{Text(predicted)}";

    public static string ConfidenceField(int bucket) => $"b:{Text(bucket)}";

    /// <summary>Adds the rows of a list element to a summary; an element that does not parse is skipped.</summary>
    public static void AddRow(ClassificationSummary summary, string text)
    {
        var parts = text.Split(' ');
        if (parts.Length == 2 && TryLong(parts[0], out var actual) && TryLong(parts[1], out var predicted))
        {
            summary.Add(new ClassRow(actual, predicted));
        }
    }

    public static void AddRow(NumericSummary summary, string text)
    {
        var parts = text.Split(' ');
        if (parts.Length == 3 && TryDouble(parts[0], out var absolute) && TryDouble(parts[1], out var squared) && int.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var values))
        {
            summary.Add(new NumericRow(absolute, squared, values));
        }
    }

    public static void AddRow(PredictionSignalSummary summary, string text)
    {
        var parts = text.Split(' ');
        if (parts.Length == 2 && TryLong(parts[0], out var predicted))
        {
            summary.Add(new PredictedRow(predicted, parts[1] == "n" || !TryDouble(parts[1], out var confidence) ? double.NaN : confidence));
        }
    }

    /// <summary>Adds a time bucket's counts to a summary.</summary>
    public static void AddBucket(ClassificationSummary summary, HashEntry[] fields)
    {
        foreach (var field in fields)
        {
            var name = (string)field.Name!;
            var parts = name.Split(':');
            if (parts.Length == 3 && parts[0] == "p" && TryLong(parts[1], out var actual) && TryLong(parts[2], out var predicted) && field.Value.TryParse(out long count))
            {
                summary.Add(new ClassRow(actual, predicted), count);
            }
        }
    }

    public static void AddBucket(NumericSummary summary, HashEntry[] fields)
    {
        long rows = 0, values = 0;
        double absolute = 0, squared = 0;
        foreach (var field in fields)
        {
            switch ((string)field.Name!)
            {
                case RowsField: field.Value.TryParse(out rows); break;
                case ValuesField: field.Value.TryParse(out values); break;
                case AbsoluteField: absolute = Double(field.Value); break;
                case SquaredField: squared = Double(field.Value); break;
            }
        }
        summary.Add(rows, values, absolute, squared);
    }

    public static void AddBucket(PredictionSignalSummary summary, HashEntry[] fields)
    {
        long confidenceRows = 0;
        double confidenceSum = 0;
        foreach (var field in fields)
        {
            var name = (string)field.Name!;
            if (name == ConfidenceRowsField)
            {
                field.Value.TryParse(out confidenceRows);
            }
            else if (name == ConfidenceSumField)
            {
                confidenceSum = Double(field.Value);
            }
            else if (name.StartsWith("c:", StringComparison.Ordinal) && TryLong(name[2..], out var predicted) && field.Value.TryParse(out long count))
            {
                summary.AddClass(predicted, count);
            }
            else if (name.StartsWith("b:", StringComparison.Ordinal) && int.TryParse(name[2..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var bucket) && field.Value.TryParse(out long inBucket))
            {
                summary.AddConfidenceBucket(bucket, inBucket);
            }
        }
        summary.AddConfidenceTotals(confidenceRows, confidenceSum);
    }

    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static double Double(RedisValue value) =>
        double.TryParse((string?)value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : 0;

    private static bool TryLong(string text, out long value) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static bool TryDouble(string text, out double value) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
