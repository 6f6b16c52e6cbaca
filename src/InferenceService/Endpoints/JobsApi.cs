using System.Globalization;
using System.Text.Json;
using InferenceService.Contracts;
using InferenceService.Engine.Jobs;
using InferenceService.Engine;
using InferenceService.Engine.Serving;
using InferenceService.Errors;
using InferenceService.OpenApi;
using InferenceService.Security;
using Microsoft.AspNetCore.Http.Features;

namespace InferenceService.Endpoints;

/// <summary>
/// Batch jobs: whole datasets through the loaded models as durable, resumable jobs. Submit an upload (the body is the
/// dataset, the settings in the query string) or a file under <c>Jobs:InputRoot</c> (a JSON body); then read the
/// job, list, cancel, delete, and stream its output and errors. Under /v2, so errors are <c>{"error": "…"}</c>.
/// </summary>
internal static class JobsApi
{
    private const int DefaultPage = 50;
    private const int MaxPage = 500;

    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/v2/jobs").WithTags("Batch jobs").RequireScope(Scopes.Jobs);
        jobs.MapPost("", SubmitAsync)
            .WithName("SubmitJob")
            .WithSummary("Submits a batch job: the body is the dataset (text/csv, application/x-ndjson, application/vnd.apache.parquet; settings in the query string), or JSON naming a file under the server's input folder.")
            .AcceptsJson<SubmitJobRequest>()
            .Produces<JobResponse>(StatusCodes.Status202Accepted)
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ErrorResponse>(StatusCodes.Status415UnsupportedMediaType);
        jobs.MapGet("", ListAsync).WithName("ListJobs").WithSummary("Jobs, newest first, a page at a time (offset, limit).")
            .Produces<JobListResponse>();
        jobs.MapGet("/{id}", GetAsync).WithName("GetJob").WithSummary("A job: its status, rows, rate and error.")
            .Produces<JobResponse>().Produces<ErrorResponse>(StatusCodes.Status404NotFound);
        jobs.MapPost("/{id}/cancel", CancelAsync).WithName("CancelJob").WithSummary("Stops a job; the rows done stay in its output.")
            .Produces<JobResponse>().Produces<ErrorResponse>(StatusCodes.Status404NotFound).Produces<ErrorResponse>(StatusCodes.Status409Conflict);
        jobs.MapDelete("/{id}", DeleteAsync).WithName("DeleteJob").WithSummary("Removes a finished job and its files.")
            .Produces(StatusCodes.Status204NoContent).Produces<ErrorResponse>(StatusCodes.Status404NotFound).Produces<ErrorResponse>(StatusCodes.Status409Conflict);
        jobs.MapGet("/{id}/output", (string id, JobManager manager, CancellationToken ct) => FileAsync(id, manager, errors: false, ct))
            .WithName("JobOutput").WithSummary("The results, one per successful input row, in input order.")
            .Produces(StatusCodes.Status200OK).Produces<ErrorResponse>(StatusCodes.Status404NotFound).Produces<ErrorResponse>(StatusCodes.Status409Conflict);
        jobs.MapGet("/{id}/errors", (string id, JobManager manager, CancellationToken ct) => FileAsync(id, manager, errors: true, ct))
            .WithName("JobErrors").WithSummary("The failed rows: row, key and the message a client would get.")
            .Produces(StatusCodes.Status200OK).Produces<ErrorResponse>(StatusCodes.Status404NotFound).Produces<ErrorResponse>(StatusCodes.Status409Conflict);
        jobs.AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<JobManager>().Unavailable is { } reason
                ? ErrorResult.Protocol(InferenceErrors.Of(InferenceErrorKind.ModelNotReady) with { Title = "Batch jobs are unavailable." }, reason)
                : await next(context));
        return app;
    }

    private static async Task<IResult> SubmitAsync(HttpContext context, JobManager manager, ModelRegistry registry, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var id = Guid.NewGuid().ToString("N");
        try
        {
            JobSpec spec;
            if (DatasetFormats.FromMediaType(request.ContentType) is { } uploadFormat)
            {
                var settings = FromQuery(request.Query);
                var path = manager.Files.UploadPath(id, uploadFormat);
                spec = Validate(settings, registry, path, uploadFormat);
                await ReceiveUploadAsync(context, manager, path, cancellationToken);
            }
            else if (request.HasJsonContentType())
            {
                SubmitJobRequest? body;
                try
                {
                    body = await JsonSerializer.DeserializeAsync(request.Body, JobContractsJsonContext.Default.SubmitJobRequest, cancellationToken);
                }
                catch (JsonException e)
                {
                    throw InferenceException.InvalidInput($"The request body is not a valid job: {e.Message.Split(" Path:")[0]}");
                }
                if (body is null)
                {
                    throw InferenceException.InvalidInput("The request body is not a valid job: it is null.");
                }
                var path = InputPaths.Resolve(manager.Options.InputRoot, body.Input?.Path);
                spec = Validate(body, registry, path, DatasetFormats.FromPath(path));
            }
            else
            {
                return ErrorResult.Protocol(new ErrorAnswer(StatusCodes.Status415UnsupportedMediaType, GrpcStatus.InvalidArgument, "Unsupported media type.", false),
                    "The body must be a dataset (Content-Type text/csv, application/x-ndjson or application/vnd.apache.parquet, settings in the query string) or JSON naming a file on the server (application/json).");
            }
            // The key's id goes with the job, so its rows count against that key's job-row quota (see QuotaJobRowPacer).
            spec = spec with { SubmittedBy = Caller.Of(context)?.KeyId };
            var job = await manager.SubmitAsync(id, spec, cancellationToken);
            return TypedResults.Accepted($"/v2/jobs/{id}", ToResponse(job, manager));
        }
        catch (InferenceException e)
        {
            DeleteFolder(manager, id);
            return InferenceErrors.Protocol(e);
        }
        catch (Exception)
        {
            DeleteFolder(manager, id);
            throw;
        }
    }

    /// <summary>Streams the body to disk, never holding it whole, within <c>Jobs:MaxUploadBytes</c>.</summary>
    private static async Task ReceiveUploadAsync(HttpContext context, JobManager manager, string path, CancellationToken cancellationToken)
    {
        var limit = manager.Options.MaxUploadBytes;
        if (context.Request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        long total = 0;
        while (true)
        {
            int read;
            try
            {
                read = await context.Request.Body.ReadAsync(buffer, cancellationToken);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                throw TooLarge(limit);
            }
            if (read == 0)
            {
                break;
            }
            total += read;
            if (total > limit)
            {
                throw TooLarge(limit);
            }
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        if (total == 0)
        {
            throw InferenceException.InvalidInput("The upload is empty: the body must be the dataset.");
        }
        await file.FlushAsync(cancellationToken);
        file.Flush(flushToDisk: true);
    }

    private static InferenceException TooLarge(long limit) =>
        new(InferenceErrorKind.PayloadTooLarge, string.Create(CultureInfo.InvariantCulture, $"The upload is larger than this server takes ({limit} bytes, Jobs:MaxUploadBytes); put the file under the server's input folder instead."));

    private static SubmitJobRequest FromQuery(IQueryCollection query)
    {
        string? Get(string name) => query.TryGetValue(name, out var value) ? value.ToString() : null;
        return new SubmitJobRequest
        {
            Model = Get("model"),
            Version = Get("version"),
            Key = Get("key"),
            OutputFormat = Get("output_format"),
            BatchSize = Number(Get("batch_size"), "batch_size", int.Parse),
            MaxFailedRows = Number(Get("max_failed_rows"), "max_failed_rows", long.Parse),
            MaxFailedRatio = Number(Get("max_failed_ratio"), "max_failed_ratio", double.Parse),
            Outputs = Get("outputs")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Columns = Get("columns") is { } columns ? ParseColumns(columns) : null,
        };
    }

    private static T? Number<T>(string? text, string name, Func<string, IFormatProvider, T> parse) where T : struct
    {
        if (text is null)
        {
            return null;
        }
        try
        {
            return parse(text, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw InferenceException.InvalidInput($"'{name}' must be a number, got '{text}'.");
        }
    }

    /// <summary><c>input:column,input2:column2</c>: which column feeds which model input.</summary>
    private static Dictionary<string, string> ParseColumns(string text)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == pair.Length - 1)
            {
                throw InferenceException.InvalidInput($"'columns' takes input:column pairs separated by commas; '{pair}' is not one.");
            }
            map[pair[..colon]] = pair[(colon + 1)..];
        }
        return map;
    }

    /// <summary>Checks the settings (every problem at once) and makes the job's spec.</summary>
    private static JobSpec Validate(SubmitJobRequest settings, ModelRegistry registry, string inputPath, DatasetFormat inputFormat)
    {
        if (string.IsNullOrWhiteSpace(settings.Model))
        {
            throw InferenceException.InvalidInput("'model' is required: the model to run the dataset through.");
        }
        if (registry.Find(settings.Model) is null)
        {
            throw new InferenceException(InferenceErrorKind.ModelNotFound, $"Model '{settings.Model}' is not in the repository.");
        }
        LoadedModel? model = null;
        try
        {
            model = registry.Resolve(settings.Model, settings.Version);
        }
        catch (InferenceException e) when (e.Kind == InferenceErrorKind.ModelNotReady)
        {
            // Not ready yet: the job waits for it; its inputs and outputs are checked row by row then.
        }
        var problems = new RequestProblems();
        DatasetFormat? outputFormat = inputFormat;
        if (settings.OutputFormat is { } named && (outputFormat = DatasetFormats.FromName(named)) is null)
        {
            problems.Add($"'output_format' must be jsonl, csv or parquet, got '{named}'.");
        }
        if (settings.BatchSize is < 1)
        {
            problems.Add("'batch_size' must be at least 1.");
        }
        if (settings.MaxFailedRows is < 0)
        {
            problems.Add("'max_failed_rows' must be 0 or more.");
        }
        if (settings.MaxFailedRatio is { } ratio && (double.IsNaN(ratio) || ratio < 0 || ratio > 1))
        {
            problems.Add("'max_failed_ratio' must be between 0 and 1.");
        }
        if (model is not null)
        {
            foreach (var input in settings.Columns?.Keys ?? [])
            {
                if (model.FindInput(input) is null)
                {
                    problems.Add($"'columns' maps '{input}', but model '{model.Name}' has no input of that name (its inputs: {model.InputNames}).");
                }
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var output in settings.Outputs ?? [])
            {
                if (model.FindOutput(output) is null)
                {
                    problems.Add($"Model '{model.Name}' has no output named '{output}' (its outputs: {model.OutputNames}).");
                }
                else if (!seen.Add(output))
                {
                    problems.Add($"Output '{output}' is requested more than once.");
                }
            }
        }
        problems.ThrowIfAny();
        return new JobSpec
        {
            Model = settings.Model,
            Version = settings.Version,
            InputPath = inputPath,
            InputFormat = inputFormat,
            OutputFormat = outputFormat!.Value,
            Key = string.IsNullOrEmpty(settings.Key) ? null : settings.Key,
            Columns = settings.Columns,
            BatchSize = settings.BatchSize,
            MaxFailedRows = settings.MaxFailedRows,
            MaxFailedRatio = settings.MaxFailedRatio,
            Outputs = settings.Outputs is { Count: > 0 } outputs ? outputs : null,
        };
    }

    private static async Task<IResult> ListAsync(JobManager manager, int? offset, int? limit, CancellationToken cancellationToken)
    {
        var (from, size) = (Math.Max(0, offset ?? 0), Math.Clamp(limit ?? DefaultPage, 1, MaxPage));
        var page = await manager.Store.ListAsync(from, size + 1, cancellationToken);
        var jobs = page.Take(size).Select(j => ToResponse(j, manager)).ToArray();
        return TypedResults.Ok(new JobListResponse(jobs, from, size, page.Count > size ? from + size : null));
    }

    private static async Task<IResult> GetAsync(string id, JobManager manager, CancellationToken cancellationToken) =>
        await manager.Store.GetAsync(id, cancellationToken) is { } job ? TypedResults.Ok(ToResponse(job, manager)) : NotFound(id);

    private static async Task<IResult> CancelAsync(string id, JobManager manager, CancellationToken cancellationToken)
    {
        var before = await manager.Store.GetAsync(id, cancellationToken);
        if (before is null)
        {
            return NotFound(id);
        }
        if (JobStatuses.IsFinished(before.Status))
        {
            return Conflict($"Job '{id}' is {JobStatuses.Name(before.Status)} already; there is nothing to cancel.");
        }
        var job = await manager.CancelAsync(id, cancellationToken);
        return job is null ? NotFound(id) : TypedResults.Ok(ToResponse(job, manager));
    }

    private static async Task<IResult> DeleteAsync(string id, JobManager manager, CancellationToken cancellationToken) =>
        await manager.DeleteAsync(id, cancellationToken) switch
        {
            null => NotFound(id),
            false => Conflict($"Job '{id}' has not finished: cancel it first, then delete it."),
            true => TypedResults.NoContent(),
        };

    private static async Task<IResult> FileAsync(string id, JobManager manager, bool errors, CancellationToken cancellationToken)
    {
        var job = await manager.Store.GetAsync(id, cancellationToken);
        if (job is null)
        {
            return NotFound(id);
        }
        var format = job.Spec.OutputFormat;
        var finished = JobStatuses.IsFinished(job.Status);
        if (format == DatasetFormat.Parquet && !finished)
        {
            return Conflict($"Job '{id}' is {JobStatuses.Name(job.Status)}: its Parquet {(errors ? "errors file is" : "output is")} written when it ends (ask for jsonl or csv to read rows as they come).");
        }
        var path = errors ? manager.Files.ErrorsPath(id, format) : manager.Files.OutputPath(id, format);
        if (!File.Exists(path))
        {
            // Nothing written yet (or ever: a job cancelled while queued): an empty file of the format.
            return TypedResults.Bytes([], DatasetFormats.MediaType(format));
        }
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
        var name = $"{id}-{(errors ? "errors" : "output")}{DatasetFormats.Extension(format)}";
        return TypedResults.File(stream, DatasetFormats.MediaType(format), name);
    }

    private static JobResponse ToResponse(JobRecord job, JobManager manager)
    {
        var (rate, eta) = manager.RateOf(job);
        return new JobResponse(
            job.Id,
            job.Spec.Model,
            job.Version ?? job.Spec.Version,
            JobStatuses.Name(job.Status),
            new JobRows(job.Total, job.Checkpoint.Succeeded, job.Checkpoint.Failed),
            rate is { } r ? Math.Round(r, 1) : null,
            eta is { } e ? Math.Round(e, 1) : null,
            job.Created,
            job.Started,
            job.Finished,
            job.Error,
            DatasetFormats.Name(job.Spec.InputFormat),
            DatasetFormats.Name(job.Spec.OutputFormat));
    }

    private static ErrorResult NotFound(string id) =>
        ErrorResult.Protocol(InferenceErrors.Of(InferenceErrorKind.ModelNotFound) with { Title = "No such job." }, $"There is no job '{id}'.");

    private static ErrorResult Conflict(string message) => ErrorResult.Protocol(InferenceErrors.Of(InferenceErrorKind.Conflict), message);

    private static void DeleteFolder(JobManager manager, string id)
    {
        var folder = manager.Files.FolderOf(id);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
