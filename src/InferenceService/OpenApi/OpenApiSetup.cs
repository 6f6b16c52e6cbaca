using Microsoft.OpenApi;

namespace InferenceService.OpenApi;

/// <summary>The OpenAPI document (Swashbuckle) at /swagger/v1/swagger.json and Swagger UI at /swagger.</summary>
internal static class OpenApiSetup
{
    public static IServiceCollection AddInferenceOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(swagger =>
        {
            swagger.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "InferenceService",
                Version = "v1",
                Description = "Real-time inference for ONNX models: a simple /predict API and the Open Inference Protocol (KServe V2).",
            });
            swagger.DocumentFilter<ModelSchemaDocumentFilter>();
            swagger.OperationFilter<JsonRequestBodyOperationFilter>();
        });
        return services;
    }

    /// <summary>
    /// Swashbuckle's two middlewares, on a branch taken by /swagger paths only: on the others (every inference) they
    /// would cost a path check and an asynchronous frame each.
    /// </summary>
    public static WebApplication UseInferenceOpenApi(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/swagger", StringComparison.OrdinalIgnoreCase), swagger =>
        {
            swagger.UseSwagger();
            swagger.UseSwaggerUI(ui =>
            {
                ui.SwaggerEndpoint("/swagger/v1/swagger.json", "InferenceService v1");
                ui.RoutePrefix = "swagger";
            });
        });
        return app;
    }
}
