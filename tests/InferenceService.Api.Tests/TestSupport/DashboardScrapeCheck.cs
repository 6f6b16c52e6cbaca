using System.Text.RegularExpressions;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// Whether a scrape holds what a dashboard's queries select: a panel whose metric or label is missing shows "No data"
/// without any error, so each mismatch is described here, naming the panel and its query.
/// </summary>
public static class DashboardScrapeCheck
{
    /// <summary>
    /// For each selector of each query: the metric has a sample; every label it matches on or groups by is on some
    /// sample of it (<c>le</c> included, which only _bucket series have); and some sample satisfies every matcher
    /// whose value is literal (a label absent from a sample reads as "", as in PromQL). An empty list means no mismatch.
    /// </summary>
    public static IReadOnlyList<string> Mismatches(IEnumerable<DashboardQuery> queries, PrometheusScrape scrape)
    {
        var mismatches = new List<string>();
        foreach (var query in queries)
        {
            foreach (var selector in query.Selectors)
            {
                var problem = Mismatch(selector, scrape);
                if (problem is not null)
                {
                    mismatches.Add($"{query.Where}, \"{query.Query}\": {problem}");
                }
            }
        }
        return mismatches;
    }

    private static string? Mismatch(PromQlSelector selector, PrometheusScrape scrape)
    {
        var samples = scrape.Samples.Where(s => s.Name == selector.Metric).ToArray();
        if (samples.Length == 0)
        {
            return $"no sample of {selector.Metric} in the scrape{SimilarNames(selector.Metric, scrape)}.";
        }
        var labelsSeen = samples.SelectMany(s => s.Labels.Keys).ToHashSet(StringComparer.Ordinal);
        var missing = selector.Matchers.Select(m => m.Label).Concat(selector.GroupingLabels)
            .Where(label => !labelsSeen.Contains(label))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        if (missing.Length > 0)
        {
            return $"{selector.Metric} has no label {string.Join(", ", missing)}; its samples have {Listed(labelsSeen)}.";
        }
        var literal = selector.Matchers.Where(m => m.IsLiteral).ToArray();
        if (literal.Length > 0 && !samples.Any(s => literal.All(m => Matches(m, s.Label(m.Label)))))
        {
            var seen = literal.Select(m => $"{m.Label}: {Listed(samples.Select(s => $"\"{s.Label(m.Label)}\"").ToHashSet())}");
            return $"no sample of {selector.Metric} matches {string.Join(", ", literal.Select(m => $"{m.Label}{m.Operator}\"{m.Value}\""))}; values seen: {string.Join("; ", seen)}.";
        }
        return null;
    }

    /// <summary>A PromQL matcher on one value: regular expressions are anchored at both ends, as PromQL's are.</summary>
    public static bool Matches(PromQlMatcher matcher, string value) => matcher.Operator switch
    {
        "=" => value == matcher.Value,
        "!=" => value != matcher.Value,
        "=~" => Regex.IsMatch(value, $"^(?:{matcher.Value})$"),
        "!~" => !Regex.IsMatch(value, $"^(?:{matcher.Value})$"),
        _ => throw new NotSupportedException($"matcher operator {matcher.Operator}"),
    };

    /// <summary>Scraped names sharing the metric's first two words, for a hint at what it may have been renamed to.</summary>
    private static string SimilarNames(string metric, PrometheusScrape scrape)
    {
        var words = metric.Split('_');
        var prefix = string.Join('_', words.Take(2));
        var similar = scrape.Samples.Select(s => s.Name).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        return similar.Count == 0 ? "" : $" (names starting with {prefix}: {Listed(similar)})";
    }

    private static string Listed(IEnumerable<string> items) => string.Join(", ", items.Order(StringComparer.Ordinal));
}
