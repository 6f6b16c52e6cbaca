using System.CommandLine;

namespace InferenceService.LoadGenerator.Cli;

/// <summary>
/// The load command's options and the limits on their values. Each problem is reported, not only the first, and no
/// value that could send unbounded load (no end, no limit on requests in flight, a host other than this machine)
/// passes.
/// </summary>
internal sealed class RunCommandLine
{
    public const int MaxConcurrency = 1024;
    public const double MaxRate = 50_000;
    public const int MaxSteps = 16;
    public const long MaxRequestsPerStep = 10_000_000;
    public static readonly TimeSpan MaxStepDuration = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan MaxRunDuration = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan MaxWarmup = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);

    public Option<string> Url { get; } = new("--url") { Description = "The server's base URL; only localhost, 127.0.0.0/8 or [::1].", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
    public Option<string> Protocol { get; } = new("--protocol") { Description = "http: the REST API with JSON bodies; grpc: the V2 gRPC service (raw tensors) through the C# client.", DefaultValueFactory = _ => "http" };
    public Option<string> GrpcUrl { get; } = new("--grpc-url") { Description = "The gRPC service's address with --protocol grpc; only localhost, 127.0.0.0/8 or [::1].", DefaultValueFactory = _ => "http://127.0.0.1:8001" };
    public Option<int> GrpcConnections { get; } = new("--grpc-connections") { Description = "With --protocol grpc: the HTTP/2 connections the calls are spread over, round robin (1 to 64).", DefaultValueFactory = _ => 1 };

    public Option<bool> Binary { get; } = new("--binary") { Description = "With --protocol http: send the inputs as binary tensor data (a JSON header, then raw bytes) and ask for binary outputs." };
    public Option<string> Model { get; } = new("--model", "-m") { Description = "The model to load.", Required = true };
    public Option<string?> Version { get; } = new("--model-version") { Description = "A model version (default: the server's latest ready one)." };
    public Option<string?> Payload { get; } = new("--payload") { Description = "A JSON file with an Open Inference Protocol infer request body to send (default: random inputs generated from the model's metadata)." };
    public Option<int> BatchSize { get; } = new("--batch-size", "-b") { Description = "Rows per generated request (the first, batch, dimension).", DefaultValueFactory = _ => 1 };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the generated input values.", DefaultValueFactory = _ => 1 };
    public Option<string?> Concurrency { get; } = new("--concurrency", "-c") { Description = "Closed loop: requests in flight, one step each (e.g. 1,8,32)." };
    public Option<string?> Rate { get; } = new("--rate", "-r") { Description = "Open loop: requests per second, sent on schedule whether answered or not, one step each (e.g. 400)." };
    public Option<string?> Duration { get; } = new("--duration", "-d") { Description = "How long each step sends (e.g. 10s, 500ms, 2m); default 10s unless --requests is given." };
    public Option<long?> Requests { get; } = new("--requests", "-n") { Description = "How many requests each step sends, instead of --duration." };
    public Option<string> Warmup { get; } = new("--warmup") { Description = "Unmeasured closed-loop load before each step (0 for none).", DefaultValueFactory = _ => "2s" };
    public Option<int?> WarmupConcurrency { get; } = new("--warmup-concurrency") { Description = "Requests in flight during warm-up (default: the step's concurrency, or 8 with --rate)." };
    public Option<string> Timeout { get; } = new("--timeout") { Description = "How long one request may take before it counts as a timeout.", DefaultValueFactory = _ => "30s" };
    public Option<int> MaxInFlight { get; } = new("--max-in-flight") { Description = "Open loop: the most requests in flight; requests due beyond it are counted as not sent.", DefaultValueFactory = _ => 1024 };
    public Option<string?> Json { get; } = new("--json") { Description = "Also write the results to this file, as JSON." };

    public void AddTo(Command command)
    {
        foreach (Option option in (Option[])[Url, Protocol, GrpcUrl, GrpcConnections, Binary, Model, Version, Payload, BatchSize, Seed, Concurrency, Rate, Duration, Requests, Warmup, WarmupConcurrency, Timeout, MaxInFlight, Json])
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The options of a parsed command line, checked; null with every problem listed when any value is not acceptable.</summary>
    public RunOptions? Read(ParseResult parsed, List<string> problems)
    {
        var baseUrl = LoopbackTarget.Parse(parsed.GetValue(Url), out var urlProblem);
        if (urlProblem is not null)
        {
            problems.Add(urlProblem);
        }
        var protocol = parsed.GetValue(Protocol) switch
        {
            "http" => LoadProtocol.Http,
            "grpc" => LoadProtocol.Grpc,
            _ => (LoadProtocol?)null,
        };
        if (protocol is null)
        {
            problems.Add($"--protocol must be http or grpc, not \"{parsed.GetValue(Protocol)}\".");
        }
        var grpcUrl = LoopbackTarget.Parse(parsed.GetValue(GrpcUrl), out var grpcUrlProblem);
        if (grpcUrlProblem is not null)
        {
            problems.Add(grpcUrlProblem.Replace("--url", "--grpc-url", StringComparison.Ordinal));
        }
        if (parsed.GetValue(GrpcConnections) is < 1 or > 64)
        {
            problems.Add("--grpc-connections must be 1 to 64.");
        }
        if (parsed.GetValue(Binary) && protocol == LoadProtocol.Grpc)
        {
            problems.Add("--binary is for --protocol http: gRPC always sends raw tensors.");
        }
        var model = parsed.GetValue(Model);
        if (string.IsNullOrWhiteSpace(model))
        {
            problems.Add("--model is required.");
        }
        var batchSize = parsed.GetValue(BatchSize);
        if (batchSize is < 1 or > 65_536)
        {
            problems.Add($"--batch-size must be from 1 to 65536, not {batchSize}.");
        }
        var payload = parsed.GetValue(Payload);
        if (payload is not null && !File.Exists(payload))
        {
            problems.Add($"--payload \"{payload}\" is not a file.");
        }

        var (concurrency, rate) = ReadSteps(parsed, problems);
        var (duration, requests) = ReadStepLength(parsed, rate, problems);
        var warmup = ReadDuration(parsed.GetValue(Warmup), "--warmup", TimeSpan.Zero, MaxWarmup, allowZero: true, problems);
        var timeout = ReadDuration(parsed.GetValue(Timeout), "--timeout", TimeSpan.FromMilliseconds(1), MaxTimeout, allowZero: false, problems);

        var warmupConcurrency = parsed.GetValue(WarmupConcurrency) ?? (concurrency?.Max() ?? 8);
        if (warmupConcurrency is < 1 or > MaxConcurrency)
        {
            problems.Add($"--warmup-concurrency must be from 1 to {MaxConcurrency}, not {warmupConcurrency}.");
        }
        var maxInFlight = parsed.GetValue(MaxInFlight);
        if (maxInFlight is < 1 or > 4096)
        {
            problems.Add($"--max-in-flight must be from 1 to 4096, not {maxInFlight}.");
        }
        if (duration is { } d && problems.Count == 0)
        {
            var steps = concurrency?.Count ?? rate!.Count;
            var total = (d + warmup) * steps;
            if (total > MaxRunDuration)
            {
                problems.Add($"{steps} steps of {ValueParsers.Format(d)} plus {ValueParsers.Format(warmup)} warm-up take {ValueParsers.Format(total)}; a run may take at most {ValueParsers.Format(MaxRunDuration)}.");
            }
        }
        if (problems.Count > 0)
        {
            return null;
        }
        return new RunOptions
        {
            BaseUrl = baseUrl!,
            Model = model!,
            Protocol = protocol!.Value,
            Binary = parsed.GetValue(Binary),
            GrpcUrl = grpcUrl!,
            GrpcConnections = parsed.GetValue(GrpcConnections),
            Version = parsed.GetValue(Version),
            PayloadFile = payload,
            BatchSize = batchSize,
            Seed = parsed.GetValue(Seed),
            Concurrency = concurrency,
            Rate = rate,
            Duration = duration,
            RequestsPerStep = requests,
            Warmup = warmup,
            WarmupConcurrency = warmupConcurrency,
            RequestTimeout = timeout,
            MaxInFlight = maxInFlight,
            JsonPath = parsed.GetValue(Json),
        };
    }

    private (List<int>? Concurrency, List<double>? Rate) ReadSteps(ParseResult parsed, List<string> problems)
    {
        var concurrencyText = parsed.GetValue(Concurrency);
        var rateText = parsed.GetValue(Rate);
        if ((concurrencyText is null) == (rateText is null))
        {
            problems.Add("Give exactly one of --concurrency (closed loop) and --rate (open loop).");
            return (null, null);
        }
        if (concurrencyText is not null)
        {
            if (!ValueParsers.TryParseList(concurrencyText, out var values) || values.Any(v => v != Math.Floor(v) || v > MaxConcurrency) || values.Count > MaxSteps)
            {
                problems.Add($"--concurrency must list up to {MaxSteps} whole numbers from 1 to {MaxConcurrency}, such as 1,8,32; not \"{concurrencyText}\".");
                return (null, null);
            }
            return (values.Select(v => (int)v).ToList(), null);
        }
        if (!ValueParsers.TryParseList(rateText, out var rates) || rates.Any(v => v > MaxRate) || rates.Count > MaxSteps)
        {
            problems.Add($"--rate must list up to {MaxSteps} request rates per second, each above 0 and at most {MaxRate}, such as 400; not \"{rateText}\".");
            return (null, null);
        }
        return (null, rates);
    }

    private (TimeSpan? Duration, long? Requests) ReadStepLength(ParseResult parsed, List<double>? rate, List<string> problems)
    {
        var durationText = parsed.GetValue(Duration);
        var requests = parsed.GetValue(Requests);
        if (durationText is not null && requests is not null)
        {
            problems.Add("Give --duration or --requests, not both.");
            return (null, null);
        }
        if (requests is { } n)
        {
            if (n is < 1 or > MaxRequestsPerStep)
            {
                problems.Add($"--requests must be from 1 to {MaxRequestsPerStep}, not {n}.");
            }
            else if (rate?.Any(r => TimeSpan.FromSeconds(n / r) > MaxStepDuration) == true)
            {
                problems.Add($"--requests {n} at --rate {rate.Min()} takes longer than {ValueParsers.Format(MaxStepDuration)}, the longest step.");
            }
            return (null, n);
        }
        var duration = ReadDuration(durationText ?? "10s", "--duration", TimeSpan.FromMilliseconds(1), MaxStepDuration, allowZero: false, problems);
        if (rate?.Max() is { } fastest && fastest * duration.TotalSeconds > MaxRequestsPerStep)
        {
            problems.Add($"--rate {fastest} for {ValueParsers.Format(duration)} is more than {MaxRequestsPerStep} requests, the most a step may send.");
        }
        return (duration, null);
    }

    private static TimeSpan ReadDuration(string? text, string name, TimeSpan min, TimeSpan max, bool allowZero, List<string> problems)
    {
        if (!ValueParsers.TryParseDuration(text, out var value) || (value < min && !(allowZero && value == TimeSpan.Zero)) || value > max)
        {
            problems.Add($"{name} must be a duration such as 10s, 500ms or 2m, at most {ValueParsers.Format(max)}{(allowZero ? " (0 for none)" : "")}; not \"{text}\".");
            return TimeSpan.Zero;
        }
        return value;
    }
}
