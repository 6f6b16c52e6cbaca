using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using InferenceService.Api.Tests.TestSupport;
using Xunit.Abstractions;

namespace InferenceService.Api.Tests.Telemetry;

/// <summary>
/// The provisioned Grafana dashboard and the autoscaling queries against a real Prometheus (Debian's <c>prometheus</c>,
/// started by the test on loopback) scraping the service over HTTP. A query naming a metric, label or label value the
/// service does not export draws "No data" without any error, so after traffic that should give every panel data,
/// every panel's expression, the template variable's query and every prometheus-adapter query the HPA relies on must
/// return data. A dashboard mismatch is fixed in docker/grafana/make_dashboard.py, which writes the JSON.
/// </summary>
public partial class GrafanaDashboardTests(ITestOutputHelper output)
{
    /// <summary>The longest any one wait (Prometheus ready, targets up, traffic scraped, every query answered) may take.</summary>
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    /// <summary>Inference requests one round of <see cref="SendTrafficAsync"/> sends (feedback is not one).</summary>
    private const int InferencesPerRound = 5;

    private const string ServiceJob = "inference-service";

    /// <summary>
    /// The labels Prometheus's Kubernetes discovery gives a pod's series (the adapter rules select and group by them),
    /// set here on the static target instead.
    /// </summary>
    private const string Namespace = "inference";

    private const string Pod = "inferenceservice-0";

    /// <summary>
    /// The same service scraped again as a second pod: every series exists twice, as it does with two replicas, so a
    /// panel that forgets to aggregate over pods draws two lines where the service has one.
    /// </summary>
    private const string SecondPod = "inferenceservice-1";

    /// <summary>
    /// Grafana's built-in variables. Prometheus scrapes every second here, so any window of a few seconds holds enough
    /// samples; 5m (Grafana's own $__rate_interval is 4 scrape intervals or more) keeps both rounds of traffic inside
    /// every rate() window however slowly a busy machine runs the test. $__interval and $__range are what a one-hour
    /// dashboard gives.
    /// </summary>
    private static readonly Dictionary<string, string> s_builtInVariables = new()
    {
        ["__rate_interval"] = "5m",
        ["__interval"] = "15s",
        ["__interval_ms"] = "15000",
        ["__range"] = "1h",
        ["__range_s"] = "3600",
        ["__range_ms"] = "3600000",
    };

    [Fact]
    public void Dashboard_EveryExpressionAndVariable_IsReadAndHasValuesForItsVariables()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(GrafanaDashboard.FilePath));
        var panels = GrafanaDashboard.PanelQueries(document.RootElement);
        var variables = GrafanaDashboard.QueryVariables(document.RootElement);

        Assert.Equal(GrafanaDashboard.CountExprProperties(document.RootElement), panels.Count);
        var model = Assert.Single(variables, v => v.Name == "model");
        Assert.Equal(("inference_model_state", "model"), GrafanaDashboard.ParseLabelValues(model.Query));
        var values = new Dictionary<string, string>(s_builtInVariables) { ["model"] = ".*" };
        Assert.All(panels, q => Assert.DoesNotContain("$", GrafanaDashboard.Substitute(q.Query, values), StringComparison.Ordinal));
    }

    [Fact]
    public void Substitute_GrafanaVariableForms_AreAllReplacedAndAnUnknownOneIsNamed()
    {
        var values = new Dictionary<string, string> { ["model"] = "a|b", ["__rate_interval"] = "5m" };

        Assert.Equal("""rate(x{model=~"a|b", m="a|b", n="a|b"}[5m])""",
            GrafanaDashboard.Substitute("""rate(x{model=~"$model", m="${model}", n="[[model]]"}[$__rate_interval])""", values));
        var error = Assert.Throws<InvalidOperationException>(() => GrafanaDashboard.Substitute("x[$__range]", values));
        Assert.Contains("$__range", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AdapterRule_PodsMetricsQuery_FillsTheTemplateAsTheAdapterDoes()
    {
        var rule = Assert.Single(PrometheusAdapterRules.Load(), r => r.SeriesQuery.StartsWith("inference_queue_depth{", StringComparison.Ordinal));

        Assert.Equal("""sum(inference_queue_depth{namespace="ns",pod=~"p1|p2"}) by (pod)""", rule.PodsMetricsQuery("inference_queue_depth", "ns", ["p1", "p2"]));
        Assert.Equal("inference_queue_depth", rule.ExposedName("inference_queue_depth"));
        Assert.Contains(PrometheusAdapterRules.HpaMetricNames(), m => m.Metric == "inference_queue_depth");
    }

    [Fact]
    public async Task DashboardAndAutoscalerQueries_AfterTrafficForEveryPanel_ReturnDataFromARealPrometheus()
    {
        var clock = Stopwatch.StartNew();
        PrometheusServer.RequireBinary();
        using var document = JsonDocument.Parse(File.ReadAllText(GrafanaDashboard.FilePath));
        var panels = GrafanaDashboard.PanelQueries(document.RootElement);
        var variables = GrafanaDashboard.QueryVariables(document.RootElement);
        var rules = PrometheusAdapterRules.Load();
        var hpaMetrics = PrometheusAdapterRules.HpaMetricNames();
        Assert.NotEmpty(panels);

        var service = await OwnService.StartAsync<KestrelDashboardModelsFixture>();
        try
        {
            var target = service.Client.BaseAddress!;
            Assert.True(target.IsLoopback && target.Port > 0, $"The service is not on a loopback port: {target}.");
            await using var relay = MetricsFormatRelay.Start(target);
            await using var prometheus = PrometheusServer.Start(Configuration($"127.0.0.1:{target.Port}", relay.Port));
            output.WriteLine($"{PrometheusServer.Version()} at {prometheus.BaseAddress}, scraping {target}");

            await prometheus.WaitUntilReadyAsync(s_deadline);
            await prometheus.WaitUntilTargetsUpAsync([ServiceJob, .. s_formatJobs.Keys], s_deadline);

            // Two rounds, each scraped before the next: a counter or histogram born in the first round has grown by the
            // second, so rates, quantiles and ratios are numbers rather than NaN.
            // The pod with fewer counted requests: every pod has been scraped after the round.
            var requests = $"min(sum by (pod) (inference_requests_total{{job=\"{ServiceJob}\"}}))";
            for (var round = 1; round <= 2; round++)
            {
                await SendTrafficAsync(service.Client, round);
                // The runtime reports the heap after the last collection only once a collection has happened.
                GC.Collect();
                await prometheus.WaitForValueAsync(requests, round * InferencesPerRound, s_deadline);
            }
            output.WriteLine($"traffic scraped after {clock.Elapsed.TotalSeconds:F1} s");

            var checks = await WaitForDataAsync(prometheus, panels, variables, rules, hpaMetrics);
            output.WriteLine($"{checks.Count} queries checked after {clock.Elapsed.TotalSeconds:F1} s; the service answered the format relay with "
                + string.Join(", ", relay.ContentTypes.Select(c => $"{c.Key}: {c.Value}")));
            foreach (var check in checks)
            {
                output.WriteLine($"{check.Where}: {check.Sent} -> {check.Summary}");
            }

            var failures = checks.Where(c => c.Problem is not null).Concat(await AccuracyAggregationChecksAsync(prometheus, panels)).ToArray();
            if (failures.Length > 0)
            {
                var names = await MetricNamesAsync(prometheus);
                var hints = new List<string>();
                foreach (var failure in failures)
                {
                    hints.Add(UnknownNames(failure.Sent, names) + await UnknownLabelValuesAsync(prometheus, failure.Sent));
                }
                Assert.Fail($"After {s_deadline.TotalSeconds:F0} s, {failures.Length} of {checks.Count} queries of {GrafanaDashboard.FilePath} and "
                    + $"{PrometheusAdapterRules.FilePath} still return no data from Prometheus scraping GET /metrics:\n"
                    + string.Join("\n", failures.Select((f, i) => $"- {f.Where}: {f.Problem}\n    expression: {f.Query}"
                        + (f.Sent == f.Query ? "" : $"\n    sent as:    {f.Sent}")
                        + hints[i])));
            }
            Assert.StartsWith("text/plain", relay.ContentTypes["/text"], StringComparison.Ordinal);
        }
        finally
        {
            await service.DisposeAsync();
        }
    }

    /// <summary>The relay's scrape jobs: each asks the service for one format; every sample is dropped after parsing.</summary>
    private static readonly Dictionary<string, string> s_formatJobs = new()
    {
        ["format-text"] = "/text",
        ["format-openmetrics"] = "/openmetrics",
    };

    /// <summary>
    /// prometheus.yml: the service scraped every second as Prometheus negotiates the format (it prefers OpenMetrics),
    /// with the pod labels Kubernetes discovery would add; and the relay's two routes, one per exposition format,
    /// whose samples are dropped after parsing (a format Prometheus cannot parse fails the scrape, and the target is
    /// reported down with the parser's error) so that every series exists once, from the service's job.
    /// </summary>
    private static string Configuration(string service, int relayPort)
    {
        var formatJobs = string.Join("", s_formatJobs.Select(j => $$"""
              - job_name: {{j.Key}}
                metrics_path: {{j.Value}}
                static_configs:
                  - targets: ["127.0.0.1:{{relayPort}}"]
                metric_relabel_configs:
                  - source_labels: [__name__]
                    regex: ".+"
                    action: drop

            """));
        return $$"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: {{ServiceJob}}
                metrics_path: /metrics
                static_configs:
                  - targets: ["{{service}}"]
                    labels:
                      namespace: {{Namespace}}
                      pod: {{Pod}}
                  - targets: ["{{service}}"]
                    labels:
                      namespace: {{Namespace}}
                      pod: {{SecondPod}}

            """ + formatJobs;
    }

    /// <summary>One query the test sends: where it comes from, its text in the file, what was sent, and what came back.</summary>
    private sealed record Check(string Where, string Query, string Sent, string? Problem, string Summary);

    /// <summary>
    /// Runs every query until all return data or <see cref="s_deadline"/> passes (the service's gauges and Prometheus's
    /// next scrape settle a moment after the traffic), and returns the last round of results.
    /// </summary>
    private static async Task<IReadOnlyList<Check>> WaitForDataAsync(
        PrometheusServer prometheus,
        IReadOnlyList<DashboardQuery> panels,
        IReadOnlyList<DashboardVariable> variables,
        IReadOnlyList<AdapterRule> rules,
        IReadOnlyList<(string File, string Metric)> hpaMetrics)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var checks = await RunChecksAsync(prometheus, panels, variables, rules, hpaMetrics);
            if (checks.All(c => c.Problem is null) || clock.Elapsed > s_deadline)
            {
                return checks;
            }
            await Task.Delay(PrometheusServer.PollInterval);
        }
    }

    private static async Task<IReadOnlyList<Check>> RunChecksAsync(
        PrometheusServer prometheus,
        IReadOnlyList<DashboardQuery> panels,
        IReadOnlyList<DashboardVariable> variables,
        IReadOnlyList<AdapterRule> rules,
        IReadOnlyList<(string File, string Metric)> hpaMetrics)
    {
        var checks = new List<Check>();
        var values = new Dictionary<string, string>(s_builtInVariables);

        // The template variables, asked the way Grafana asks: label_values(metric, label) is the label values API over
        // the metric's series. With "All" chosen (the dashboard's default) a variable is its allValue, or else every value as a regex.
        foreach (var variable in variables)
        {
            var where = $"template variable \"{variable.Name}\"";
            if (GrafanaDashboard.ParseLabelValues(variable.Query) is not { } parsed)
            {
                checks.Add(new Check(where, variable.Query, variable.Query, "only label_values(metric, label) queries are run by this test; add the new form here", ""));
                continue;
            }
            var (match, label) = parsed;
            var sentMatch = GrafanaDashboard.Substitute(match, values);
            var answer = await prometheus.LabelValuesAsync(label, sentMatch);
            var found = answer.Succeeded ? answer.Data.EnumerateArray().Select(v => v.GetString()!).ToArray() : [];
            var sent = $"GET /api/v1/label/{label}/values?match[]={sentMatch}";
            var problem = !answer.Succeeded ? $"Prometheus answered {answer}"
                : found.Length == 0 ? "no values (the variable's drop-down would be empty)"
                : variable.Name == "model" && !(found.Contains("classifier") && found.Contains("regressor")) ? $"values {string.Join(", ", found)} lack a model the test serves"
                : null;
            checks.Add(new Check(where, variable.Query, sent, problem, string.Join(", ", found)));
            values[variable.Name] = variable.AllValue ?? $"({string.Join('|', found.Select(Regex.Escape))})";
        }

        foreach (var panel in panels)
        {
            string sent;
            try
            {
                sent = GrafanaDashboard.Substitute(panel.Query, values);
            }
            catch (InvalidOperationException e)
            {
                checks.Add(new Check(panel.Where, panel.Query, panel.Query, e.Message, ""));
                continue;
            }
            checks.Add(await QueryCheckAsync(prometheus, panel.Where, panel.Query, sent));
        }

        // The format jobs: Prometheus parsed samples from each (they are dropped afterwards, so only its own series say so).
        foreach (var job in s_formatJobs.Keys)
        {
            var query = $"scrape_samples_scraped{{job=\"{job}\"}} > 0 and on() up{{job=\"{job}\"}} == 1";
            checks.Add(await QueryCheckAsync(prometheus, $"format job {job} (the relay's {s_formatJobs[job]})", query, query));
        }

        // The adapter rules, as prometheus-adapter runs them: the seriesQuery to discover series, then the metricsQuery for
        // a Pods metric of this namespace and pod. Each metric a HorizontalPodAutoscaler names must be one a rule exposes.
        var exposed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            var where = $"prometheus-adapter rule {rule.Index}";
            checks.Add(await QueryCheckAsync(prometheus, $"{where} seriesQuery", rule.SeriesQuery, rule.SeriesQuery));
            var series = SeriesName().Match(rule.SeriesQuery);
            if (!series.Success)
            {
                checks.Add(new Check($"{where} metricsQuery", rule.MetricsQuery, rule.MetricsQuery, "the seriesQuery does not start with a metric name, which the test needs to fill in <<.Series>>", ""));
                continue;
            }
            exposed.Add(rule.ExposedName(series.Value));
            var sent = rule.PodsMetricsQuery(series.Value, Namespace, [Pod]);
            checks.Add(await QueryCheckAsync(prometheus, $"{where} metricsQuery", rule.MetricsQuery, sent));
        }
        foreach (var (file, metric) in hpaMetrics)
        {
            checks.Add(new Check($"{file}: HPA metric {metric}", metric, metric,
                exposed.Contains(metric) ? null : $"no rule of {PrometheusAdapterRules.FilePath} exposes {metric} (rules expose: {string.Join(", ", exposed)})",
                exposed.Contains(metric) ? "served by an adapter rule" : ""));
        }
        return checks;
    }

    /// <summary>An instant query that must succeed with at least one series whose value is a number (NaN draws nothing).</summary>
    private static async Task<Check> QueryCheckAsync(PrometheusServer prometheus, string where, string query, string sent)
    {
        var answer = await prometheus.QueryAsync(sent);
        var found = answer.Values();
        var problem = !answer.Succeeded ? $"Prometheus answered {answer}"
            : found.Count == 0 ? "empty result (no series)"
            : found.All(v => v == "NaN") ? $"only NaN values ({found.Count} series): {answer}"
            : null;
        return new Check(where, query, sent, problem, $"{found.Count} series: {string.Join(", ", found.Take(6))}{(found.Count > 6 ? ", …" : "")}");
    }

    /// <summary>
    /// The accuracy panels, scraped from two pods: each must draw one series per model, version and output (and window,
    /// for the rolling gauges), carrying no pod label, and the all-replicas accuracy must be the share of rows right
    /// over both pods together. Problems only; none when the panels aggregate over pods correctly.
    /// </summary>
    private static async Task<IReadOnlyList<Check>> AccuracyAggregationChecksAsync(PrometheusServer prometheus, IReadOnlyList<DashboardQuery> panels)
    {
        var problems = new List<Check>();
        var values = new Dictionary<string, string>(s_builtInVariables) { ["model"] = ".*" };
        var accuracyPanels = panels.Where(p => AccuracyMetric().IsMatch(p.Query)).ToArray();
        if (accuracyPanels.Length < 4)
        {
            problems.Add(new Check("accuracy panels", "", "", $"expected the four accuracy panels, found {accuracyPanels.Length}", ""));
        }
        foreach (var panel in accuracyPanels)
        {
            var sent = GrafanaDashboard.Substitute(panel.Query, values);
            var answer = await prometheus.QueryAsync(sent);
            if (!answer.Succeeded)
            {
                problems.Add(new Check(panel.Where, panel.Query, sent, $"Prometheus answered {answer}", ""));
                continue;
            }
            var series = answer.Data.GetProperty("result").EnumerateArray()
                .Select(r => r.GetProperty("metric").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()!))
                .ToArray();
            var withPod = series.Count(s => s.ContainsKey("pod") || s.ContainsKey("instance"));
            var distinct = series.Select(s => string.Join(",", s.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))).Distinct().Count();
            if (withPod > 0 || distinct != series.Length || series.Length == 0)
            {
                problems.Add(new Check(panel.Where, panel.Query, sent,
                    $"scraped from two pods, it draws {series.Length} series ({withPod} with a pod or instance label, {distinct} distinct): a panel must aggregate over pods", ""));
            }
        }
        // Both pods together count what one did, twice over: the share right is the same. The latest samples follow all
        // the traffic (the waits above saw a scrape of each pod after it): 2 of 3 rows right per round, feedback scoring
        // (a, a) against predictions (a, b) and inline targets (c) against (c).
        var both = await RatioAsync(prometheus, "model=\"classifier\"");
        var one = await RatioAsync(prometheus, $"model=\"classifier\", pod=\"{Pod}\"");
        if (both is not { } all || one is not { } single || Math.Abs(all - 2.0 / 3) > 1e-9 || Math.Abs(single - 2.0 / 3) > 1e-9)
        {
            problems.Add(new Check("accuracy over both pods", "", "", $"expected 2/3 from both pods and from one, got {both} and {one}", ""));
        }
        return problems;
    }

    private static async Task<double?> RatioAsync(PrometheusServer prometheus, string selector)
    {
        var answer = await prometheus.QueryAsync($"sum(inference_scored_correct_total{{{selector}}}) / sum(inference_scored_rows_total{{{selector}}})");
        return answer.Values() is [var value] ? double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Every metric name Prometheus holds from the service's job.</summary>
    private static async Task<IReadOnlySet<string>> MetricNamesAsync(PrometheusServer prometheus)
    {
        var answer = await prometheus.LabelValuesAsync("__name__", $"{{job=\"{ServiceJob}\"}}");
        return answer.Succeeded ? answer.Data.EnumerateArray().Select(v => v.GetString()!).ToHashSet(StringComparer.Ordinal) : new HashSet<string>();
    }

    /// <summary>
    /// The metric names a failed query selects that Prometheus does not hold, each with the three names it does hold
    /// that are nearest in spelling: the usual cause of "No data" is a renamed or misspelt metric.
    /// </summary>
    private static string UnknownNames(string query, IReadOnlySet<string> names)
    {
        var unknown = SelectedName().Matches(query).Select(m => m.Groups[1].Value)
            .Where(n => n.Contains('_', StringComparison.Ordinal) && !names.Contains(n))
            .Distinct(StringComparer.Ordinal)
            .Select(n =>
            {
                var nearest = names.OrderBy(h => EditDistance(n, h)).ThenBy(h => h, StringComparer.Ordinal).Take(3).ToArray();
                return $"{n} is not a metric Prometheus holds{(nearest.Length == 0 ? "" : $"; the nearest it holds: {string.Join(", ", nearest)}")}";
            })
            .ToArray();
        return Lines(unknown);
    }

    /// <summary>
    /// The equality matchers (<c>label="value"</c>) of a failed query whose value no series of the service's job has,
    /// each with the values that label does have: the other usual cause of "No data".
    /// </summary>
    private static async Task<string> UnknownLabelValuesAsync(PrometheusServer prometheus, string query)
    {
        var problems = new List<string>();
        foreach (var (label, value) in EqualityMatcher().Matches(query).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).Distinct())
        {
            var answer = await prometheus.LabelValuesAsync(label, $"{{job=\"{ServiceJob}\"}}");
            var values = answer.Succeeded ? answer.Data.EnumerateArray().Select(v => v.GetString()!).ToArray() : [];
            if (answer.Succeeded && !values.Contains(value))
            {
                problems.Add(values.Length == 0
                    ? $"{label}=\"{value}\": no series of the service has a label {label}"
                    : $"{label}=\"{value}\": no series of the service has that value; {label} is one of {string.Join(", ", values.Select(v => $"\"{v}\""))}");
            }
        }
        return Lines(problems);
    }

    private static string Lines(IReadOnlyCollection<string> lines) => lines.Count == 0 ? "" : "\n    " + string.Join("\n    ", lines);

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            previous = current;
        }
        return previous[b.Length];
    }

    /// <summary>
    /// Successful and failed inferences (every Run also records its batch size and rows), a classification scored by
    /// feedback and by inline targets (<c>inference_accuracy</c>), and a regression scored inline (MAE, RMSE).
    /// Prediction ids are the round's own, so the second round's feedback joins its own predictions.
    /// </summary>
    private static async Task SendTrafficAsync(HttpClient client, int round)
    {
        // A batch job of three rows (one bad), finished before the round's inferences, so the batch row has data.
        using (var content = new StringContent("a,b,c\n0.75,0.125,0.125\nx,1,1\n0.125,0.75,0.125\n", System.Text.Encoding.UTF8, "text/csv"))
        using (var submitted = await client.PostAsync("/v2/jobs?model=classifier", content))
        {
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
            var job = submitted.Headers.Location!.OriginalString;
            var clock = Stopwatch.StartNew();
            while (!(await client.GetStringAsync(job)).Contains("\"status\":\"succeeded\"", StringComparison.Ordinal))
            {
                Assert.True(clock.Elapsed < s_deadline, $"The batch job {job} of round {round} did not succeed.");
                await Task.Delay(20);
            }
        }
        await client.PredictAsync("classifier", $"fed-back-{round}", [[0.75f, 0.125f, 0.125f], [0.125f, 0.75f, 0.125f]]);
        await client.FeedbackOkAsync("classifier", $"fed-back-{round}", """{"y": ["a", "a"]}""");
        using (var inline = await client.InferAsync("classifier", $"inline-{round}", [[0.125f, 0.125f, 0.75f]], """{"y": ["c"]}"""))
        {
            await ResponseAssert.JsonAsync(inline, HttpStatusCode.OK);
        }
        using (var failed = await client.PostJsonTextAsync("/predict", """{"model": "classifier", "inputs": {"x": [[1, 2]]}}"""))
        {
            Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        }
        await client.PredictAsync("regressor", $"scored-{round}", [[1, 2, 3]], targets: """{"y": [[1, 2, 4]]}""");
        await client.PredictAsync("regressor", $"unscored-{round}", [[4, 5, 6]]);
    }

    /// <summary>A metric of the accuracy panels: the rolling gauges and the scored counters.</summary>
    [GeneratedRegex(@"\binference_(accuracy|mae|rmse|scored_\w+)\b")]
    private static partial Regex AccuracyMetric();

    /// <summary>A matcher <c>label="value"</c> (not !=, =~ or !~).</summary>
    [GeneratedRegex(@"(?<![\w:])([A-Za-z_]\w*)\s*=\s*""([^""\\]*)""")]
    private static partial Regex EqualityMatcher();

    /// <summary>The metric name a seriesQuery starts with.</summary>
    [GeneratedRegex(@"^[A-Za-z_:][\w:]*")]
    private static partial Regex SeriesName();

    /// <summary>An identifier followed by a selector's brace, a range's bracket, a closing parenthesis or the end: a metric name, or a label in by (…).</summary>
    [GeneratedRegex(@"(?<![\w:""])([A-Za-z_:][\w:]*)(?=\s*(?:[{\[)]|$))")]
    private static partial Regex SelectedName();
}
