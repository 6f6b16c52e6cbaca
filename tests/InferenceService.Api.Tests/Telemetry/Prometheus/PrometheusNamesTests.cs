using InferenceService.Telemetry.Prometheus;
using OpenTelemetry.Metrics;

namespace InferenceService.Api.Tests.Telemetry.Prometheus;

public class PrometheusNamesTests
{
    [Theory]
    [InlineData("inference.request.duration", "s", MetricType.Histogram, "inference_request_duration_seconds")]
    [InlineData("inference.requests", "{request}", MetricType.LongSum, "inference_requests_total")]
    [InlineData("inference.queue.depth", "{request}", MetricType.LongSumNonMonotonic, "inference_queue_depth")]
    [InlineData("dotnet.process.cpu.time", "s", MetricType.DoubleSum, "dotnet_process_cpu_time_seconds_total")]
    [InlineData("dotnet.gc.heap.total_allocated", "By", MetricType.LongSum, "dotnet_gc_heap_total_allocated_bytes_total")]
    [InlineData("process.memory", "MiBy", MetricType.LongGauge, "process_memory_mebibytes")]
    [InlineData("network.io", "By/s", MetricType.DoubleGauge, "network_io_bytes_per_second")]
    [InlineData("requests.rate", "{request}/s", MetricType.DoubleGauge, "requests_rate_per_second")]
    [InlineData("cache.hit", "1", MetricType.DoubleGauge, "cache_hit_ratio")]
    [InlineData("cache.hits", "1", MetricType.LongSum, "cache_hits_total")]
    [InlineData("latency_seconds", "s", MetricType.Histogram, "latency_seconds")]
    [InlineData("http.requests.total", null, MetricType.LongSum, "http_requests_total")]
    [InlineData("3d.renders", "", MetricType.LongGauge, "_3d_renders")]
    [InlineData("a..b-c/d", "ms", MetricType.DoubleGauge, "a_b_c_d_milliseconds")]
    [InlineData("odd.unit", "furlong", MetricType.DoubleGauge, "odd_unit_furlong")]
    [InlineData("ns:metric", "s", MetricType.DoubleGauge, "ns:metric_seconds")]
    public void MetricName_OpenTelemetryInstrument_FollowsThePrometheusConventions(string name, string? unit, MetricType type, string expected) =>
        Assert.Equal(expected, PrometheusNames.MetricName(name, unit, type));

    [Theory]
    [InlineData("model", "model")]
    [InlineData("http.response.status_code", "http_response_status_code")]
    [InlineData("ns:label", "ns_label")]
    [InlineData("9lives", "_9lives")]
    [InlineData("", "_")]
    public void LabelName_AnyTagKey_IsAValidLabelName(string key, string expected) =>
        Assert.Equal(expected, PrometheusNames.LabelName(key));

    [Theory]
    [InlineData(MetricType.LongSum, "counter")]
    [InlineData(MetricType.DoubleSum, "counter")]
    [InlineData(MetricType.LongSumNonMonotonic, "gauge")]
    [InlineData(MetricType.DoubleGauge, "gauge")]
    [InlineData(MetricType.Histogram, "histogram")]
    [InlineData(MetricType.ExponentialHistogram, null)]
    public void TypeOf_MetricType_IsThePrometheusType(MetricType type, string? expected) =>
        Assert.Equal(expected, PrometheusNames.TypeOf(type));
}
