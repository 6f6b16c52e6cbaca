using System.Text;
using OpenTelemetry.Metrics;

namespace InferenceService.Telemetry.Prometheus;

/// <summary>
/// OpenTelemetry names as Prometheus spells them (the OpenTelemetry-to-Prometheus compatibility rules): characters
/// Prometheus does not allow become '_', the unit becomes a suffix (<c>s</c> → <c>_seconds</c>, <c>By</c> →
/// <c>_bytes</c>; annotations such as <c>{request}</c> are dropped), and monotonic counters end in <c>_total</c>.
/// </summary>
internal static class PrometheusNames
{
    private static readonly Dictionary<string, string> s_units = new(StringComparer.Ordinal)
    {
        ["d"] = "days", ["h"] = "hours", ["min"] = "minutes", ["s"] = "seconds", ["ms"] = "milliseconds",
        ["us"] = "microseconds", ["ns"] = "nanoseconds",
        ["By"] = "bytes", ["KiBy"] = "kibibytes", ["MiBy"] = "mebibytes", ["GiBy"] = "gibibytes", ["TiBy"] = "tebibytes",
        ["KBy"] = "kilobytes", ["MBy"] = "megabytes", ["GBy"] = "gigabytes", ["TBy"] = "terabytes",
        ["m"] = "meters", ["V"] = "volts", ["A"] = "amperes", ["J"] = "joules", ["W"] = "watts", ["g"] = "grams",
        ["Cel"] = "celsius", ["Hz"] = "hertz", ["%"] = "percent",
    };

    // After "per", a unit of time is singular: bytes_per_second.
    private static readonly Dictionary<string, string> s_perUnits = new(StringComparer.Ordinal)
    {
        ["s"] = "second", ["min"] = "minute", ["h"] = "hour", ["d"] = "day", ["w"] = "week", ["mo"] = "month", ["y"] = "year",
    };

    /// <summary>The Prometheus family name of a metric: for a histogram, the name its _bucket, _sum and _count extend.</summary>
    public static string MetricName(string name, string? unit, MetricType type)
    {
        var result = Sanitize(name);
        var suffix = UnitSuffix(unit, IsGauge(type));
        if (suffix.Length > 0 && !result.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            result += "_" + suffix;
        }
        if (IsCounter(type) && !result.EndsWith("_total", StringComparison.Ordinal))
        {
            result += "_total";
        }
        return result;
    }

    /// <summary>A label name Prometheus accepts: letters, digits and '_', not starting with a digit.</summary>
    public static string LabelName(string name) => Sanitize(name, allowColon: false);

    /// <summary>The Prometheus TYPE of a metric; null for what the text format cannot carry (exponential histograms).</summary>
    public static string? TypeOf(MetricType type) => type switch
    {
        MetricType.LongSum or MetricType.DoubleSum => "counter",
        MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic or MetricType.LongGauge or MetricType.DoubleGauge => "gauge",
        MetricType.Histogram => "histogram",
        _ => null,
    };

    internal static string UnitSuffix(string? unit, bool isGauge)
    {
        if (string.IsNullOrEmpty(unit))
        {
            return "";
        }
        var plain = WithoutAnnotations(unit);
        if (plain.Length == 0)
        {
            return "";
        }
        if (plain == "1")
        {
            // A dimensionless gauge is a ratio; a dimensionless counter counts things and needs no suffix.
            return isGauge ? "ratio" : "";
        }
        var slash = plain.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var numerator = UnitWord(plain[..slash]);
            var denominator = s_perUnits.TryGetValue(plain[(slash + 1)..], out var perUnit) ? perUnit : UnitWord(plain[(slash + 1)..]);
            return denominator.Length == 0 ? numerator : numerator.Length == 0 ? "per_" + denominator : numerator + "_per_" + denominator;
        }
        return UnitWord(plain);
    }

    private static string UnitWord(string unit) =>
        unit.Length == 0 ? "" : s_units.TryGetValue(unit, out var word) ? word : Sanitize(unit, allowColon: false).Trim('_');

    private static string WithoutAnnotations(string unit)
    {
        var plain = new StringBuilder(unit.Length);
        var depth = 0;
        foreach (var c in unit)
        {
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0)
            {
                plain.Append(c);
            }
        }
        return plain.ToString().Trim();
    }

    private static bool IsCounter(MetricType type) => type is MetricType.LongSum or MetricType.DoubleSum;

    private static bool IsGauge(MetricType type) =>
        type is MetricType.LongGauge or MetricType.DoubleGauge or MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic;

    /// <summary>Invalid characters become '_', runs of '_' become one, and a leading digit gets a '_' in front.</summary>
    private static string Sanitize(string name, bool allowColon = true)
    {
        var result = new StringBuilder(name.Length + 1);
        foreach (var c in name)
        {
            var valid = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            var next = valid ? c : '_';
            if (next == '_' && result.Length > 0 && result[^1] == '_')
            {
                continue;
            }
            result.Append(next);
        }
        if (result.Length == 0 || char.IsAsciiDigit(result[0]))
        {
            result.Insert(0, '_');
        }
        return result.ToString();
    }
}
