using System.Text.Json.Nodes;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace InferenceService.OpenApi;

/// <summary>
/// Puts every ready model's own contract into the OpenAPI document, derived from its ONNX metadata: for each model a
/// <c>POST /v2/models/{name}/infer</c> and a <c>{name}PredictRequest</c> schema whose inputs carry their real names,
/// element types and shapes (fixed dimensions as exact array lengths), with an example that runs as it is.
/// The document is built per request, so models that finish loading later appear then.
/// </summary>
internal sealed class ModelSchemaDocumentFilter(ModelRegistry registry) : IDocumentFilter
{
    private const string Tag = "Models";

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        swaggerDoc.Components ??= new OpenApiComponents();
        swaggerDoc.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        swaggerDoc.Tags ??= new HashSet<OpenApiTag>();
        swaggerDoc.Tags.Add(new OpenApiTag { Name = Tag, Description = "The models being served, each with its own input and output schema." });

        foreach (var model in registry.Models.Select(m => m.Versions.Where(v => v.Model is not null).MaxBy(v => v.Version)?.Model).OfType<LoadedModel>())
        {
            var prefix = SchemaPrefix(model.Name);
            swaggerDoc.Components.Schemas[prefix + "PredictRequest"] = PredictRequestSchema(model);
            swaggerDoc.Components.Schemas[prefix + "PredictOutputs"] = ObjectOf(model.Outputs, NestedSchema, $"The outputs of model '{model.Name}'.");
            swaggerDoc.Components.Schemas[prefix + "InferenceRequest"] = InferenceRequestSchema(model);
            swaggerDoc.Paths[$"/v2/models/{model.Name}/infer"] = InferPath(model, prefix, swaggerDoc);
            AddPredictExample(swaggerDoc, model);
        }
    }

    /// <summary>
    /// The model's runnable /predict request as a named example of <c>POST /predict</c>'s body, so the explorer's
    /// "Try it out" offers one ready request per model (pick it from the examples list, then Execute).
    /// </summary>
    private static void AddPredictExample(OpenApiDocument document, LoadedModel model)
    {
        if (document.Paths.TryGetValue("/predict", out var path) && path.Operations is { } operations
            && operations.TryGetValue(HttpMethod.Post, out var predict)
            && predict.RequestBody?.Content is { } content && content.TryGetValue("application/json", out var json)
            && json is OpenApiMediaType media)
        {
            media.Examples ??= new Dictionary<string, IOpenApiExample>();
            media.Examples[model.Name] = new OpenApiExample
            {
                Summary = $"Model '{model.Name}'",
                Value = PredictExample(model),
            };
        }
    }

    private static JsonObject PredictExample(LoadedModel model) => new()
    {
        ["model"] = model.Name,
        ["inputs"] = new JsonObject(model.Inputs.Select(i => KeyValuePair.Create(i.Name, (JsonNode?)NestedExample(i, 0)))),
    };

    private static string SchemaPrefix(string modelName) =>
        "Model_" + string.Concat(modelName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')) + "_";

    private static OpenApiPathItem InferPath(LoadedModel model, string prefix, OpenApiDocument document)
    {
        var operation = new OpenApiOperation
        {
            Summary = $"Runs model '{model.Name}' (version {model.Version}) through the Open Inference Protocol.",
            Description = model.Metadata.Description.Length > 0 ? model.Metadata.Description : null,
            OperationId = "Infer_" + prefix.Trim('_'),
            Tags = new HashSet<OpenApiTagReference> { new(Tag, document) },
            RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = new OpenApiSchemaReference(prefix + "InferenceRequest", document) },
                },
            },
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse { Description = "The outputs, flat and row-major, with their shapes." },
                ["400"] = new OpenApiResponse { Description = "The inputs do not fit the model: {\"error\": \"…\"}." },
                ["503"] = new OpenApiResponse { Description = "The model is not ready: {\"error\": \"…\"}." },
            },
        };
        return new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Post] = operation } };
    }

    private static OpenApiSchema PredictRequestSchema(LoadedModel model) => new()
    {
        Type = JsonSchemaType.Object,
        Description = $"POST /predict for model '{model.Name}'.",
        Required = new HashSet<string> { "model", "inputs" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["model"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(model.Name)] },
            ["version"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Absent: the newest ready version." },
            ["id"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["inputs"] = ObjectOf(model.Inputs, NestedSchema, "One entry per input, as nested arrays in the input's shape."),
            ["targets"] = TargetsSchema(model),
        },
        Examples = [PredictExample(model)],
    };

    private static OpenApiSchema InferenceRequestSchema(LoadedModel model) => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string> { "inputs" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["id"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["inputs"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema { OneOf = model.Inputs.Select(ProtocolInputSchema).ToList<IOpenApiSchema>() },
            },
            ["parameters"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = new Dictionary<string, IOpenApiSchema> { ["targets"] = TargetsSchema(model) },
            },
            ["outputs"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["name"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = model.Outputs.Select(o => (JsonNode)JsonValue.Create(o.Name)).ToList() },
                    },
                },
            },
        },
        Examples =
        [
            new JsonObject
            {
                ["inputs"] = new JsonArray(model.Inputs.Select(i => (JsonNode)new JsonObject
                {
                    ["name"] = i.Name,
                    ["datatype"] = TensorDataType.ToProtocolName(i.ElementType),
                    ["shape"] = new JsonArray(i.Shape.Select(d => (JsonNode)JsonValue.Create(d < 0 ? 1 : d)).ToArray()),
                    ["data"] = new JsonArray(Enumerable.Repeat(0, (int)ExampleCount(i)).Select(_ => ExampleElement(i.ElementType)).ToArray()),
                }).ToArray()),
            },
        ],
    };

    private static OpenApiSchema ProtocolInputSchema(TensorInfo input) => new()
    {
        Type = JsonSchemaType.Object,
        Description = $"Input '{input.Name}': {TensorDataType.ToProtocolName(input.ElementType)} [{string.Join(", ", input.Shape)}] (-1: any size).",
        Required = new HashSet<string> { "name", "shape", "datatype", "data" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["name"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(input.Name)] },
            ["datatype"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(TensorDataType.ToProtocolName(input.ElementType))] },
            ["shape"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0" },
                MinItems = input.Shape.Count,
                MaxItems = input.Shape.Count,
            },
            ["data"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = ElementSchema(input.ElementType), Description = "Flat (row-major) or nested." },
        },
    };

    /// <summary>Inline ground truth: per scorable output, one true value per row (a class, or the row's numbers).</summary>
    private static OpenApiSchema TargetsSchema(LoadedModel model) => new()
    {
        Type = JsonSchemaType.Object,
        Description = "Ground truth to score this prediction at once: the true value of each row, by output name.",
        Properties = model.Outputs
            .Select(o => (Output: o, Kind: ScoredOutputKinds.Of(o, model.Labels.GetValueOrDefault(o.Name))))
            .Where(o => o.Kind != ScoredOutputKind.None)
            .ToDictionary(o => o.Output.Name, o => (IOpenApiSchema)new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = o.Kind.IsClassification()
                    ? new OpenApiSchema
                    {
                        Type = model.Labels.ContainsKey(o.Output.Name) ? JsonSchemaType.String | JsonSchemaType.Integer : JsonSchemaType.Integer,
                        Description = model.Labels.TryGetValue(o.Output.Name, out var labels)
                            ? $"A class name ({string.Join(", ", labels.Take(20))}{(labels.Count > 20 ? ", ..." : "")}) or a class index."
                            : "A class index.",
                    }
                    : new OpenApiSchema { Description = "The row's numbers, nested as the output's row (a number when a row holds one)." },
            }),
    };

    private static OpenApiSchema ObjectOf(IReadOnlyList<TensorInfo> tensors, Func<TensorInfo, IOpenApiSchema> schemaOf, string description) => new()
    {
        Type = JsonSchemaType.Object,
        Description = description,
        Required = tensors.Select(t => t.Name).ToHashSet(),
        Properties = tensors.ToDictionary(t => t.Name, schemaOf),
    };

    /// <summary>Nested arrays, one level per dimension; fixed dimensions become exact array lengths.</summary>
    private static IOpenApiSchema NestedSchema(TensorInfo tensor)
    {
        IOpenApiSchema schema = ElementSchema(tensor.ElementType);
        for (var d = tensor.Shape.Count - 1; d >= 0; d--)
        {
            var fixedSize = tensor.Shape[d] >= 0 ? (int?)tensor.Shape[d] : null;
            schema = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = schema,
                MinItems = fixedSize,
                MaxItems = fixedSize,
                Description = d == 0 ? $"{TensorDataType.ToProtocolName(tensor.ElementType)} [{string.Join(", ", tensor.Shape)}] (-1: any size)." : null,
            };
        }
        return schema;
    }

    private static OpenApiSchema ElementSchema(TensorElementType type) => type switch
    {
        TensorElementType.Bool => new OpenApiSchema { Type = JsonSchemaType.Boolean },
        TensorElementType.String => new OpenApiSchema { Type = JsonSchemaType.String },
        TensorElementType.Float or TensorElementType.Double or TensorElementType.Float16 or TensorElementType.BFloat16 =>
            new OpenApiSchema { Type = JsonSchemaType.Number, Description = "A number, or \"NaN\", \"Infinity\", \"-Infinity\"." },
        _ => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = type is TensorElementType.Int64 or TensorElementType.UInt64 ? "int64" : "int32" },
    };

    private static JsonNode NestedExample(TensorInfo tensor, int dimension)
    {
        if (dimension == tensor.Shape.Count)
        {
            return ExampleElement(tensor.ElementType);
        }
        var size = tensor.Shape[dimension] < 0 ? 1 : (int)Math.Min(tensor.Shape[dimension], 64);
        return new JsonArray(Enumerable.Range(0, size).Select(_ => NestedExample(tensor, dimension + 1)).ToArray());
    }

    private static long ExampleCount(TensorInfo tensor) => Math.Min(4096, tensor.Shape.Aggregate(1L, (n, d) => n * (d < 0 ? 1 : d)));

    private static JsonNode ExampleElement(TensorElementType type) => type switch
    {
        TensorElementType.Bool => JsonValue.Create(false),
        TensorElementType.String => JsonValue.Create("text"),
        _ => JsonValue.Create(0),
    };
}
