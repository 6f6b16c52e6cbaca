using System.Globalization;
using InferenceService.LoadGenerator.ServerStats;

namespace InferenceService.LoadGenerator.Tests.ServerStats;

public class LatencyHistogramTests
{
    private static readonly string[] s_bounds = ["0.0005", "0.001", "0.0025", "+Inf"];

    /// <summary>
    /// A Prometheus exposition as the server writes it: for each route, the cumulative counts of the buckets up to 0.5 ms,
    /// 1 ms, 2.5 ms and +Inf, with the labels ASP.NET Core's histogram carries, and a metric of another name beside them.
    /// </summary>
    internal static string Exposition(params (string Route, long[] Cumulative)[] routes)
    {
        var lines = new List<string>
        {
            "# TYPE http_server_request_duration_seconds histogram",
            "kestrel_active_connections{otel_scope_name=\"Microsoft.AspNetCore.Server.Kestrel\",le=\"+Inf\"} 999",
        };
        foreach (var (route, cumulative) in routes)
        {
            for (var i = 0; i < s_bounds.Length; i++)
            {
                lines.Add($"http_server_request_duration_seconds_bucket{{otel_scope_name=\"Microsoft.AspNetCore.Hosting\",http_request_method=\"POST\",http_response_status_code=\"200\",http_route=\"{route}\",le=\"{s_bounds[i]}\"}} {cumulative[i].ToString(CultureInfo.InvariantCulture)}");
            }
            lines.Add($"http_server_request_duration_seconds_count{{http_route=\"{route}\"}} {cumulative[^1].ToString(CultureInfo.InvariantCulture)}");
        }
        return string.Join('\n', lines) + "\n";
    }

    private static LatencyHistogram Parse(params (string Route, long[] Cumulative)[] routes) => LatencyHistogram.Parse(Exposition(routes))!;

    [Fact]
    public void Parse_SumsTheInferRoutesOfHttpAndGrpcAndLeavesOtherRoutesOut()
    {
        var histogram = Parse(("/v2/models/{model}/infer", [1, 2, 3, 4]), ("/inference.GRPCInferenceService/ModelInfer", [10, 20, 30, 40]),
            ("/v2/health/ready", [100, 100, 100, 100]));

        Assert.Equal([(0.0005, 11.0), (0.001, 22.0), (0.0025, 33.0), (double.PositiveInfinity, 44.0)], histogram.Buckets);
    }

    [Fact]
    public void Parse_LinesItCannotRead_AreSkippedNotThrown()
    {
        var text = Exposition(("/v2/models/{model}/infer", [1, 2, 3, 4]))
            + "http_server_request_duration_seconds_bucket{http_route=\"/v2/models/{model}/infer\",le=\"soon\"} 5\n"
            + "http_server_request_duration_seconds_bucket{http_route=\"/v2/models/{model}/infer\",le=\"0.001\"} many\n"
            + "http_server_request_duration_seconds_bucket{http_route=\"/v2/models/{model}/infer\"\n";

        var histogram = LatencyHistogram.Parse(text)!;

        Assert.Equal([(0.0005, 1.0), (0.001, 2.0), (0.0025, 3.0), (double.PositiveInfinity, 4.0)], histogram.Buckets);
    }

    [Fact]
    public void Parse_NoInferRoute_IsNull()
    {
        Assert.Null(LatencyHistogram.Parse(Exposition(("/v2/health/ready", [1, 1, 1, 1]))));
        Assert.Null(LatencyHistogram.Parse("{\"not\": \"prometheus\"}"));
    }

    [Fact]
    public void QuantileMs_ReadsWithinTheBucketOfTheAnswersBetweenTwoSnapshots()
    {
        // Between the snapshots: 100 answers up to 1 ms (all above 0.5 ms), 90 more up to 2.5 ms, 10 more above.
        var before = Parse(("/v2/models/{model}/infer", [5, 10, 20, 30]));
        var after = Parse(("/v2/models/{model}/infer", [5, 110, 210, 230]));

        Assert.Equal(200, LatencyHistogram.Answers(before, after));
        Assert.Equal(0.75, LatencyHistogram.QuantileMs(before, after, 0.25)); // the 50th of 200: halfway from 0.5 to 1 ms
        Assert.Equal(1.0, LatencyHistogram.QuantileMs(before, after, 0.5)); // the 100th: the top of that bucket
        Assert.Equal(1.833, LatencyHistogram.QuantileMs(before, after, 0.75)); // the 150th: 50 of the 90 from 1 to 2.5 ms
        Assert.Equal(2.5, LatencyHistogram.QuantileMs(before, after, 0.99)); // the 198th, in the +Inf bucket: its lower bound
    }

    [Fact]
    public void QuantileMs_NoAnswersBetween_IsNull()
    {
        var snapshot = Parse(("/v2/models/{model}/infer", [1, 2, 3, 4]));

        Assert.Null(LatencyHistogram.QuantileMs(snapshot, snapshot, 0.99));
        Assert.Equal(0, LatencyHistogram.Answers(snapshot, snapshot));
    }
}
