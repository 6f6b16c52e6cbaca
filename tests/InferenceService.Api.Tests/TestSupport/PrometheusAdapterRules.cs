using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// One prometheus-adapter rule: the query that finds its series, how labels map to Kubernetes resources, how the
/// exposed metric is named, and the query the adapter runs for a value.
/// </summary>
public sealed record AdapterRule(
    int Index,
    string SeriesQuery,
    IReadOnlyDictionary<string, string> LabelToResource,
    string NameMatches,
    string? NameAs,
    string MetricsQuery)
{
    /// <summary>The name the custom metrics API gives a series, as the adapter derives it from <c>name.matches</c> and <c>name.as</c>.</summary>
    public string ExposedName(string series)
    {
        var pattern = new Regex(NameMatches);
        var match = pattern.Match(series);
        if (!match.Success)
        {
            return series;
        }
        // The adapter's default for "as": $1 with one capture group, $0 without.
        var replacement = NameAs ?? (pattern.GetGroupNumbers().Length > 1 ? "$1" : "$0");
        return match.Result(replacement);
    }

    /// <summary>
    /// The metricsQuery as the adapter sends it when the HPA asks for a Pods metric: <c>&lt;&lt;.Series&gt;&gt;</c> the
    /// series name, <c>&lt;&lt;.LabelMatchers&gt;&gt;</c> a matcher on the namespace label and a regex matcher on the pod
    /// label (the pods the HPA asks about, joined by |), <c>&lt;&lt;.GroupBy&gt;&gt;</c> the pod label. A template field
    /// this does not know throws, naming it.
    /// </summary>
    public string PodsMetricsQuery(string series, string @namespace, IReadOnlyCollection<string> pods)
    {
        var namespaceLabel = LabelFor("namespace");
        var podLabel = LabelFor("pod");
        var fields = new Dictionary<string, string>
        {
            ["Series"] = series,
            ["LabelMatchers"] = $"{namespaceLabel}=\"{@namespace}\",{podLabel}=~\"{string.Join('|', pods)}\"",
            ["GroupBy"] = podLabel,
        };
        return Regex.Replace(MetricsQuery, @"<<\s*\.(\w+)\s*>>", m => fields.TryGetValue(m.Groups[1].Value, out var value)
            ? value
            : throw new InvalidOperationException($"Adapter rule {Index}'s metricsQuery uses <<.{m.Groups[1].Value}>>, which the test does not fill in."));
    }

    private string LabelFor(string resource) =>
        LabelToResource.FirstOrDefault(p => p.Value == resource).Key
        ?? throw new InvalidOperationException($"Adapter rule {Index} maps no label to the {resource} resource.");
}

/// <summary>
/// The prometheus-adapter configuration in docker/k8s and the custom metrics the HorizontalPodAutoscalers there name
/// (in <c>pods</c> and <c>external</c> metrics, commented-out ones included: they are the documented way to scale on
/// the service's queue).
/// </summary>
public static partial class PrometheusAdapterRules
{
    /// <summary>docker/k8s/prometheus-adapter/config.yaml.</summary>
    public static string FilePath { get; } = Path.Combine(TestPaths.RepositoryRoot, "docker", "k8s", "prometheus-adapter", "config.yaml");

    public static IReadOnlyList<AdapterRule> Load()
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(FilePath))
        {
            stream.Load(reader);
        }
        var root = (YamlMappingNode)stream.Documents.Single().RootNode;
        var rules = (YamlSequenceNode)root.Children[new YamlScalarNode("rules")];
        return rules.Children.Cast<YamlMappingNode>().Select((rule, index) =>
        {
            var overrides = Child(Child(rule, "resources"), "overrides") as YamlMappingNode;
            var name = Child(rule, "name") as YamlMappingNode;
            return new AdapterRule(
                index,
                Text(rule, "seriesQuery") ?? throw new InvalidOperationException($"Adapter rule {index} has no seriesQuery."),
                overrides?.Children.ToDictionary(
                    p => ((YamlScalarNode)p.Key).Value!,
                    p => Text((YamlMappingNode)p.Value, "resource")!) ?? [],
                (name is null ? null : Text(name, "matches")) ?? ".*",
                name is null ? null : Text(name, "as"),
                Text(rule, "metricsQuery") ?? throw new InvalidOperationException($"Adapter rule {index} has no metricsQuery."));
        }).ToArray();
    }

    /// <summary>Every (file, metric name) a HorizontalPodAutoscaler under docker/k8s names in a <c>metric:</c> block.</summary>
    public static IReadOnlyList<(string File, string Metric)> HpaMetricNames()
    {
        var k8s = Path.Combine(TestPaths.RepositoryRoot, "docker", "k8s");
        return Directory.EnumerateFiles(k8s, "*.yaml", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(path => (Path: path, Text: File.ReadAllText(path)))
            .Where(f => f.Text.Contains("kind: HorizontalPodAutoscaler", StringComparison.Ordinal))
            .SelectMany(f => HpaMetricName().Matches(f.Text).Select(m => (Path.GetRelativePath(TestPaths.RepositoryRoot, f.Path), m.Groups[1].Value)))
            .ToArray();
    }

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Text(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    /// <summary><c>metric:</c> then <c>name: X</c> on the next line, both possibly commented out.</summary>
    [GeneratedRegex(@"(?m)^[ \t]*#?[ \t]*metric:[ \t]*\r?\n[ \t]*#?[ \t]*name:[ \t]*([A-Za-z_:][\w:]*)")]
    private static partial Regex HpaMetricName();
}
