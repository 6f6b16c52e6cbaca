namespace InferenceService.LoadGenerator.Cli;

/// <summary>Which API the load goes to.</summary>
internal enum LoadProtocol
{
    Http,
    Grpc,
}

/// <summary>How one run loads the server; every value has been checked against the limits in <see cref="RunCommandLine"/>.</summary>
internal sealed record RunOptions
{
    /// <summary>The server's base URL; always a loopback address (see <see cref="LoopbackTarget"/>).</summary>
    public required Uri BaseUrl { get; init; }

    public required string Model { get; init; }

    /// <summary>How requests go: the REST API with JSON bodies (http), or the V2 gRPC service through the C# client (grpc).</summary>
    public LoadProtocol Protocol { get; init; } = LoadProtocol.Http;

    /// <summary>HTTP: send the payload in the binary tensor data layout (raw tensors after a JSON header) and ask for binary outputs.</summary>
    public bool Binary { get; init; }

    /// <summary>The gRPC service's address (loopback only), for <see cref="LoadProtocol.Grpc"/>; statistics and metadata still come over HTTP.</summary>
    public Uri GrpcUrl { get; init; } = new("http://127.0.0.1:8001");

    /// <summary>The HTTP/2 connections the gRPC client spreads its calls over (the client's GrpcConnections).</summary>
    public int GrpcConnections { get; init; } = 1;

    /// <summary>A model version, or null for the server's choice (the latest ready one).</summary>
    public string? Version { get; init; }

    /// <summary>A file holding an Open Inference Protocol infer request body; null to generate one from the model's metadata.</summary>
    public string? PayloadFile { get; init; }

    /// <summary>Rows (the first, batch, dimension) per generated request.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Seed of the generated input values, so two runs send the same bytes.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The steps: closed loop with this many requests in flight each (a concurrency sweep), or ...</summary>
    public IReadOnlyList<int>? Concurrency { get; init; }

    /// <summary>... open loop at this many requests per second each, sent on schedule whether answered or not.</summary>
    public IReadOnlyList<double>? Rate { get; init; }

    /// <summary>How long each step sends; null when <see cref="RequestsPerStep"/> bounds the step instead.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>How many requests each step sends; null when <see cref="Duration"/> bounds the step instead.</summary>
    public long? RequestsPerStep { get; init; }

    /// <summary>Closed-loop load before each step, not measured: connections, JIT and the server's first runs are paid here.</summary>
    public TimeSpan Warmup { get; init; }

    /// <summary>Requests in flight during warm-up: a closed loop, so warming up never overloads (and never queues into the step).</summary>
    public int WarmupConcurrency { get; init; }

    /// <summary>How long one request may take before it counts as a transport error (timeout).</summary>
    public TimeSpan RequestTimeout { get; init; }

    /// <summary>Open loop: the most requests in flight at once; a request due beyond it is counted as not sent, not queued in the client.</summary>
    public int MaxInFlight { get; init; }

    /// <summary>Where to write the machine-readable results, or null.</summary>
    public string? JsonPath { get; init; }

    public bool IsOpenLoop => Rate is not null;

    /// <summary>How many connections the shared client may open: one per request that can be in flight at once.</summary>
    public int ConnectionLimit => Math.Max(WarmupConcurrency, IsOpenLoop ? MaxInFlight : Concurrency!.Max());
}
