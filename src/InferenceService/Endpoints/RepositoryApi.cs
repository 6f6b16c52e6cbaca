using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using InferenceService.Contracts;
using InferenceService.Engine;
using InferenceService.Engine.Lifecycle;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Errors;
using InferenceService.Health;
using InferenceService.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace InferenceService.Endpoints;

/// <summary>
/// Triton's model repository extension, as KServe's model agent drives it: the index of every model of the repository
/// (loaded or not), load (or reload, optionally with a configuration and files of its own) and unload. Management
/// routes: they need the manage scope. The work is the engine's (<see cref="ModelLifecycle"/>), which the gRPC
/// service calls too; this only reads the request and writes the answer. Errors are <c>{"error": "…"}</c>.
/// </summary>
internal static class RepositoryApi
{
    private const string ConfigParameter = "config";
    private const string FilePrefix = "file:";

    public static IEndpointRouteBuilder MapRepositoryApi(this IEndpointRouteBuilder app)
    {
        var repository = app.MapGroup("/v2/repository").WithTags("Model repository").RequireScope(Scopes.Manage);
        repository.MapPost("/index", IndexAsync)
            .WithName("RepositoryIndex")
            .WithSummary("Every model version of the repository, loaded or not (UNAVAILABLE), with its state, why it failed, when it loaded and its memory; {\"ready\": true} lists the ready ones only.")
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest);
        repository.MapPost("/models/{model}/load", LoadAsync)
            .WithName("RepositoryModelLoad")
            .WithSummary("Loads a model, or reloads it when loaded (new versions built beside the serving ones, swapped in whole, the old ones drained); answers once it is ready, or why it is not.")
            .WithDescription("Optional body: {\"parameters\": {\"config\": \"<config.json text>\", \"file:<version>/model.onnx\": \"<base64>\"}}. Files need a config. Refused (409) unless ModelRepository:ControlMode is explicit.")
            .Produces(StatusCodes.Status200OK)
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status409Conflict)
            .Produces<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        repository.MapPost("/models/{model}/unload", UnloadAsync)
            .WithName("RepositoryModelUnload")
            .WithSummary("Unloads a model: not ready at once, admitted requests finish, then its memory is released; answers once it is.")
            .Produces(StatusCodes.Status200OK)
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<IResult> IndexAsync(HttpContext context, ModelRegistry registry, CancellationToken cancellationToken)
    {
        try
        {
            var request = await ReadOptionalAsync(context, ContractsJsonContext.Default.RepositoryIndexRequest, cancellationToken);
            return TypedResults.Ok(RepositoryIndexEntries.From(registry, readyOnly: request?.Ready == true));
        }
        catch (InferenceException e)
        {
            return InferenceErrors.Protocol(e);
        }
    }

    private static async Task<IResult> LoadAsync(HttpContext context, string model, ModelLifecycle lifecycle, CancellationToken cancellationToken)
    {
        try
        {
            // Uploads are bounded by their own setting, not by the inference routes' body limit.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = ServerLimits.Of(context).MaxModelUploadBytes;
            }
            var request = await ReadOptionalAsync(context, ContractsJsonContext.Default.RepositoryModelRequest, cancellationToken);
            await lifecycle.LoadAsync(model, OverridesOf(request?.Parameters), cancellationToken);
            return TypedResults.Ok();
        }
        catch (InferenceException e) when (e.Kind == InferenceErrorKind.PayloadTooLarge)
        {
            return InferenceErrors.Protocol(new InferenceException(InferenceErrorKind.PayloadTooLarge,
                $"The load request is larger than the server accepts ({ServerLimits.Of(context).MaxModelUploadBytes} bytes, {ServerLimits.Setting(nameof(ServerLimits.MaxModelUploadBytes))})."));
        }
        catch (InferenceException e)
        {
            return InferenceErrors.Protocol(e);
        }
    }

    private static async Task<IResult> UnloadAsync(HttpContext context, string model, ModelLifecycle lifecycle, CancellationToken cancellationToken)
    {
        try
        {
            await ReadOptionalAsync(context, ContractsJsonContext.Default.RepositoryModelRequest, cancellationToken);
            await lifecycle.UnloadAsync(model, cancellationToken);
            return TypedResults.Ok();
        }
        catch (InferenceException e)
        {
            return InferenceErrors.Protocol(e);
        }
    }

    /// <summary>The body, when there is one: Triton's clients send none, or <c>{}</c>, to these routes.</summary>
    private static async Task<T?> ReadOptionalAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        if (context.Request.ContentLength == 0 || context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false)
        {
            return null;
        }
        return await JsonBody.ReadAsync(context.Request, typeInfo, cancellationToken);
    }

    /// <summary>Triton's load parameters: "config" (text) and "file:&lt;path&gt;" (base64); anything else is a 400.</summary>
    private static ModelOverrides OverridesOf(IReadOnlyDictionary<string, JsonElement>? parameters)
    {
        if (parameters is null || parameters.Count == 0)
        {
            return ModelOverrides.None;
        }
        string? config = null;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var problems = new RequestProblems();
        foreach (var (name, value) in parameters)
        {
            if (name == ConfigParameter)
            {
                if (value.ValueKind == JsonValueKind.String)
                {
                    config = value.GetString();
                }
                else
                {
                    problems.Add("Parameter \"config\" must be the text of a config.json, as a JSON string.");
                }
            }
            else if (name.StartsWith(FilePrefix, StringComparison.Ordinal))
            {
                var path = name[FilePrefix.Length..];
                try
                {
                    RepositoryNames.CheckUploadedFile(path);
                    files[path] = value.ValueKind == JsonValueKind.String && value.TryGetBytesFromBase64(out var bytes)
                        ? bytes
                        : throw InferenceException.InvalidInput($"Parameter \"{name}\" must be the file's content in base64, as a JSON string.");
                }
                catch (InferenceException e)
                {
                    problems.Add(e);
                }
            }
            else
            {
                problems.Add($"Parameter \"{Printable(name)}\" is not one a load takes (\"config\" and \"file:<version>/model.onnx\" are); nothing is ever fetched from a URL.");
            }
        }
        problems.ThrowIfAny();
        return new ModelOverrides(config, files);
    }

    private static string Printable(string text) => new([.. text.Take(100).Select(c => char.IsControl(c) ? '?' : c)]);
}
