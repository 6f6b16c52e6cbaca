using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace InferenceService.OpenApi;

/// <summary>
/// Endpoint metadata naming the JSON body type, for the OpenAPI document only. The framework's own <c>Accepts</c>
/// metadata would also make routing answer 415 to a JSON body sent without a JSON Content-Type (curl's default),
/// and an inference server should read such a body as what it is.
/// </summary>
internal sealed record JsonRequestBody(Type BodyType);

/// <summary>Documents the request body named by <see cref="JsonRequestBody"/>.</summary>
internal sealed class JsonRequestBodyOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var body = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<JsonRequestBody>().FirstOrDefault();
        if (body is null)
        {
            return;
        }
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = context.SchemaGenerator.GenerateSchema(body.BodyType, context.SchemaRepository) },
            },
        };
    }
}

internal static class JsonRequestBodyExtensions
{
    public static RouteHandlerBuilder AcceptsJson<T>(this RouteHandlerBuilder builder) => builder.WithMetadata(new JsonRequestBody(typeof(T)));
}
