using System.Diagnostics;
using System.Globalization;
using InferenceService.LoadGenerator.Cli;
using InferenceService.LoadGenerator.Measurement;
using InferenceService.LoadGenerator.Payload;
using InferenceService.LoadGenerator.Reporting;
using InferenceService.LoadGenerator.ServerStats;

namespace InferenceService.LoadGenerator.Load;

/// <summary>
/// One run: checks the model is ready, builds the request body once, then for each step warms up (closed loop, not
/// measured), reads the server's statistics and its request-duration histogram, sends the step's load until its budget
/// is spent, waits for every answer, and reads both again. Steps never overlap, so each one's figures and server-side
/// split are its own.
/// </summary>
internal sealed class LoadRunner(RunOptions options, TextWriter progress, HttpMessageHandler? handler = null)
{
    public async Task<RunResult> RunAsync(CancellationToken cancellationToken)
    {
        using var http = handler is null
            ? LoopbackHttpClient.Create(options.ConnectionLimit, options.RequestTimeout)
            : new HttpClient(handler, disposeHandler: false) { Timeout = options.RequestTimeout };
        var model = new ModelClient(http, options.BaseUrl, options.Model, options.Version);

        await model.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var payload = options.PayloadFile is { } file
            ? PayloadFactory.FromFile(file)
            : PayloadFactory.Generate(await model.ReadMetadataAsync(cancellationToken).ConfigureAwait(false), options.BatchSize, options.Seed);
        using var client = ClientRequestSender.TryCreate(options, payload, handler);
        IRequestSender sender = client ?? (IRequestSender)new InferenceRequestSender(http, model.InferUri, payload.Body, payload.HeaderLength);
        var stats = new ModelStatsClient(http, model.StatsUri);
        var metrics = new ServerMetricsClient(http, new Uri(options.BaseUrl, "/metrics"));

        var startedAt = DateTimeOffset.UtcNow;
        var steps = new List<StepResult>();
        foreach (var (label, concurrency, rate) in Steps())
        {
            if (options.Warmup > TimeSpan.Zero)
            {
                var warmupConcurrency = concurrency ?? options.WarmupConcurrency;
                progress.WriteLine($"{label}: warming up for {ValueParsers.Format(options.Warmup)} at concurrency {warmupConcurrency}");
                await ClosedLoopDriver.RunAsync(sender, warmupConcurrency, StepBudget.ForDuration(options.Warmup), new StepRecorder(), cancellationToken).ConfigureAwait(false);
            }
            progress.WriteLine($"{label}: measuring for {(options.Duration is { } length ? ValueParsers.Format(length) : $"{options.RequestsPerStep} requests")}");
            var (before, beforeProblem) = await stats.TryReadAsync(cancellationToken).ConfigureAwait(false);
            var (histogramBefore, histogramProblem) = await metrics.TryReadAsync(cancellationToken).ConfigureAwait(false);

            var recorder = new StepRecorder();
            var start = Stopwatch.GetTimestamp();
            await (rate is { } r
                ? OpenLoopDriver.RunAsync(sender, r, options.MaxInFlight, options.RequestsPerStep ?? OpenLoopDriver.RequestsIn(options.Duration!.Value, r), recorder, cancellationToken)
                : ClosedLoopDriver.RunAsync(sender, concurrency!.Value, options.Duration is { } d ? StepBudget.ForDuration(d) : StepBudget.ForRequests(options.RequestsPerStep!.Value), recorder, cancellationToken)).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;

            var (after, afterProblem) = await stats.TryReadAsync(cancellationToken).ConfigureAwait(false);
            var (histogramAfter, histogramAfterProblem) = await metrics.TryReadAsync(cancellationToken).ConfigureAwait(false);
            var split = before is not null && after is not null
                ? ServerSideSplit.Between(before, after)
                : ServerSideSplit.Unavailable(beforeProblem ?? afterProblem ?? "unknown");
            var latency = histogramBefore is not null && histogramAfter is not null
                ? ServerLatency.Between(histogramBefore, histogramAfter)
                : ServerLatency.Unavailable(histogramProblem ?? histogramAfterProblem ?? "unknown");
            steps.Add(StepResult.From(label, concurrency, rate, elapsed, payload.RowsPerRequest, recorder.Summarize(), split) with { ServerLatency = latency });
        }

        return new RunResult
        {
            Target = options.Protocol == LoadProtocol.Grpc ? options.GrpcUrl.ToString() : options.BaseUrl.ToString(),
            Model = options.Model,
            Version = options.Version,
            Mode = options.IsOpenLoop ? "open_loop" : "closed_loop",
            PayloadSource = options.Binary && payload.HeaderLength is null ? payload.Source + " (binary)" : payload.Source,
            RowsPerRequest = payload.RowsPerRequest,
            PayloadBytes = options.Binary && client is not null ? Client.Http.BinaryTensors.WriteRequest(client.Request).Body.Length : payload.Body.Length,
            StartedAt = startedAt,
            Steps = steps,
        };
    }

    private IEnumerable<(string Label, int? Concurrency, double? Rate)> Steps() =>
        options.Rate is { } rates
            ? rates.Select(r => ($"rate={r.ToString(CultureInfo.InvariantCulture)}", (int?)null, (double?)r))
            : options.Concurrency!.Select(c => ($"c={c}", (int?)c, (double?)null));
}

/// <summary>A run could not start: the server is unreachable, the model is not ready, the payload is unusable.</summary>
internal sealed class LoadSetupException(string message, Exception? inner = null) : Exception(message, inner);
