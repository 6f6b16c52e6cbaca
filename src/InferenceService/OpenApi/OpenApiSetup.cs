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

    public static WebApplication UseInferenceOpenApi(this WebApplication app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint("/swagger/v1/swagger.json", "InferenceService v1");
            ui.RoutePrefix = "swagger";
        });
        return app;
    }
}
