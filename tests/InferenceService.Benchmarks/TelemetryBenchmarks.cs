using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Telemetry;
using InferenceService.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Serilog;

namespace InferenceService.Benchmarks;

/// <summary>
/// What the per-request telemetry of an inference costs, on the service's own code: the request log event
/// (Serilog.AspNetCore's request logging with the service's options, formatted as the console would, to a writer that
/// discards it, so the write to stdout itself is not counted), and the request's metrics and spans. Each variant runs
/// in a process of its own, so listeners do not leak between them.
/// </summary>
[MemoryDiagnoser]
public class RequestLogBenchmarks
{
    private RequestDelegate _pipeline = null!;
    private DefaultHttpContext _context = null!;
    private ServiceProvider _services = null!;
    private TextWriter _stdout = null!;

    /// <summary>
    /// none: no request logging middleware at all; off: logging at Warning (a 200 is not logged); json, text: logged at
    /// Information, in that console format; json-template: the json format as the Serilog.Expressions template that
    /// defines it (what the console used before <see cref="JsonLogFormatter"/>), the baseline of json.
    /// </summary>
    [Params("none", "off", "json-template", "json", "text")]
    public string Log { get; set; } = "none";

    [GlobalSetup]
    public void Setup()
    {
        _stdout = Console.Out;
        Console.SetOut(TextWriter.Null);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Serilog:MinimumLevel:Default"] = Log is "off" ? "Warning" : "Information",
            ["Logs:Format"] = Log is "text" ? "text" : "json",
        }).Build();
        var collection = new ServiceCollection();
        collection.AddSingleton<IConfiguration>(configuration);
        collection.AddInferenceLogging();
        if (Log == "json-template")
        {
            // Registered last, so the request logging takes it: the same logger, with the template as its console format.
            collection.AddSingleton<Serilog.ILogger>(new Serilog.LoggerConfiguration()
                .MinimumLevel.Information()
                .Enrich.FromLogContext()
                .WriteTo.Console(new Serilog.Templates.ExpressionTemplate(LogFormats.JsonTemplate, System.Globalization.CultureInfo.InvariantCulture))
                .CreateLogger());
        }
        _services = collection.BuildServiceProvider();
        var app = new ApplicationBuilder(_services);
        if (Log != "none")
        {
            app.UseInferenceRequestLogging();
        }
        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
        _pipeline = app.Build();
        _context = new DefaultHttpContext { RequestServices = _services };
        _context.Request.Method = "POST";
        _context.Request.Path = "/v2/models/mlp/infer";
        _context.Features.Set(new InferenceRecord
        {
            Model = "mlp",
            Version = "1",
            Timings = new StageTimings(TimeSpan.FromMicroseconds(210), TimeSpan.Zero, TimeSpan.FromMicroseconds(15), TimeSpan.FromMicroseconds(2), 1, 1),
            PredictionId = "01a230f3eb8172fb878bf89cc45e7b32",
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.SetOut(_stdout);
        _services.Dispose();
    }

    [Benchmark]
    public Task Request() => _pipeline(_context);
}

/// <summary>The request's metrics (6 instruments) and spans (an inference span with a queue and a run span), recorded as the door records them.</summary>
[MemoryDiagnoser]
public class RequestTelemetryBenchmarks
{
    private ServiceProvider _services = null!;
    private MeterProvider? _meters;
    private ActivityListener? _spans;
    private InferenceTelemetry _telemetry = null!;
    private DefaultHttpContext _context = null!;
    private InferenceRecord _record = null!;

    /// <summary>none: nothing listens; metrics: the meter provider as the service builds it (the /metrics exporter's views); spans: that and every span recorded, as with OTLP on.</summary>
    [Params("none", "metrics", "metrics+spans")]
    public string Listening { get; set; } = "none";

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = _services.GetRequiredService<IMeterFactory>();
        if (Listening != "none")
        {
            _meters = Sdk.CreateMeterProviderBuilder()
                .AddMeter(TelemetryNames.Meter)
                .AddView(instrument => MetricViews.Select(instrument, factory))
                .AddReader(new BaseExportingMetricReader(new NullMetricExporter()))
                .Build();
        }
        if (Listening == "metrics+spans")
        {
            _spans = new ActivityListener
            {
                ShouldListenTo = source => source.Name == TelemetryNames.ActivitySource,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_spans);
        }
        var registry = new ModelRegistry(NullLogger<ModelRegistry>.Instance);
        _telemetry = new InferenceTelemetry(new InferenceMetrics(factory), registry);
        _context = new DefaultHttpContext();
        _context.Response.StatusCode = StatusCodes.Status200OK;
        _record = new InferenceRecord
        {
            Model = "mlp",
            Version = "1",
            Timings = new StageTimings(TimeSpan.FromMicroseconds(210), TimeSpan.Zero, TimeSpan.FromMicroseconds(15), TimeSpan.FromMicroseconds(2), 1, 1),
            EngineCompleted = Stopwatch.GetTimestamp(),
            Decode = TimeSpan.FromMicroseconds(6),
            Encode = TimeSpan.FromMicroseconds(3),
        };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _spans?.Dispose();
        _meters?.Dispose();
        _services.Dispose();
    }

    [Benchmark]
    public void Record() => _telemetry.Record(_context, _record, completed: true, DateTimeOffset.UtcNow, Stopwatch.GetTimestamp());

    private sealed class NullMetricExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch) => ExportResult.Success;
    }
}
