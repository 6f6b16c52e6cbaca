using System.Globalization;
using InferenceService.LoadGenerator.Reporting;

namespace InferenceService.LoadGenerator.Outputs;

/// <summary>
/// What two models answered to the same request, output by output: the same names, datatypes and shapes, and the
/// largest absolute difference between their elements (0 for identical answers). The figure that tells whether a GPU
/// provider computes what the CPU does: equal up to float rounding, not bit for bit.
/// </summary>
internal static class OutputComparison
{
    /// <summary>One verdict: the largest difference over every output against the target, or why the answers cannot be compared.</summary>
    public static Verdict Compare(string referenceName, IReadOnlyList<OutputTensor> reference, string candidateName, IReadOnlyList<OutputTensor> candidate, double? maxAbsDiff)
    {
        var label = $"{candidateName} vs {referenceName}";
        var mismatch = Mismatch(reference, candidate);
        if (mismatch is not null)
        {
            return new Verdict(label, "outputs", $"differ: {mismatch}", "the same outputs", false);
        }
        var worst = 0.0;
        var worstOutput = reference.Count > 0 ? reference[0] : null;
        var largestReference = 0.0;
        var values = 0;
        foreach (var r in reference)
        {
            var c = candidate.Single(o => o.Name == r.Name);
            values += r.Count;
            var difference = r.Strings is not null
                ? (r.Strings.SequenceEqual(c.Strings!, StringComparer.Ordinal) ? 0 : double.PositiveInfinity)
                : MaxAbsDiff(r.Numbers!, c.Numbers!);
            largestReference = Math.Max(largestReference, r.Numbers?.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty().Max() ?? 0);
            if (difference > worst || double.IsNaN(difference))
            {
                (worst, worstOutput) = (difference, r);
            }
        }
        var measured = $"{Format(worst)} over {values:N0} values of {reference.Count} output(s)"
                       + (worstOutput is null ? "" : $" (largest in '{worstOutput.Name}' {worstOutput.ShapeText}; largest |reference value| {Format(largestReference)})");
        return new Verdict(label, "max |difference|", measured, maxAbsDiff is { } max ? $"<= {Format(max)}" : "", maxAbsDiff is { } m ? worst <= m : null);
    }

    /// <summary>The largest |a - b|; NaN against NaN counts as equal, NaN against a number as infinitely far.</summary>
    internal static double MaxAbsDiff(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var worst = 0.0;
        for (var i = 0; i < a.Count; i++)
        {
            var difference = double.IsNaN(a[i]) || double.IsNaN(b[i]) ? (double.IsNaN(a[i]) && double.IsNaN(b[i]) ? 0 : double.PositiveInfinity)
                : a[i] == b[i] ? 0 // also equal infinities, whose difference would be NaN
                : Math.Abs(a[i] - b[i]);
            worst = Math.Max(worst, difference);
        }
        return worst;
    }

    private static string? Mismatch(IReadOnlyList<OutputTensor> reference, IReadOnlyList<OutputTensor> candidate)
    {
        if (reference.Select(o => o.Name).Distinct(StringComparer.Ordinal).Count() != reference.Count
            || candidate.Select(o => o.Name).Distinct(StringComparer.Ordinal).Count() != candidate.Count)
        {
            return "an answer names one output twice";
        }
        var referenceNames = reference.Select(o => o.Name).Order(StringComparer.Ordinal).ToArray();
        var candidateNames = candidate.Select(o => o.Name).Order(StringComparer.Ordinal).ToArray();
        if (!referenceNames.SequenceEqual(candidateNames, StringComparer.Ordinal))
        {
            return $"outputs [{string.Join(", ", candidateNames)}] instead of [{string.Join(", ", referenceNames)}]";
        }
        foreach (var r in reference)
        {
            var c = candidate.Single(o => o.Name == r.Name);
            if (c.Datatype != r.Datatype)
            {
                return $"'{r.Name}' is {c.Datatype} instead of {r.Datatype}";
            }
            if (!c.Shape.SequenceEqual(r.Shape) || c.Count != r.Count)
            {
                return $"'{r.Name}' has shape {c.ShapeText} ({c.Count} values) instead of {r.ShapeText} ({r.Count} values)";
            }
        }
        return null;
    }

    private static string Format(double value) => value.ToString("G3", CultureInfo.InvariantCulture);
}
