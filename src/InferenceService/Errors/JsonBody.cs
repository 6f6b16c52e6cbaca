using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using InferenceService.Engine;
using InferenceService.Engine.Serving;

namespace InferenceService.Errors;

/// <summary>
/// Reads a JSON request body with source-generated metadata, turning every way it can be wrong into a client error
/// whose message says where, and never the serializer's own text (which names .NET types). The Content-Type is not
/// checked: the body is JSON or it is a 400, as Triton does.
/// </summary>
internal static class JsonBody
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, typeInfo, cancellationToken).ConfigureAwait(false)
                ?? throw InferenceException.InvalidInput("The body must be a JSON object, not null.");
        }
        catch (JsonException e) when (Contracts.RequestBodyDocument.IsTooDeep(e))
        {
            throw InferenceException.InvalidInput("The body is not valid: it nests deeper than the server accepts (64 levels).");
        }
        catch (JsonException e)
        {
            throw InferenceException.InvalidInput($"The body is not valid: {JsonErrors.Describe(e)}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw Contracts.RequestBodyDocument.BodyTooLarge(request.HttpContext);
        }
    }
}
