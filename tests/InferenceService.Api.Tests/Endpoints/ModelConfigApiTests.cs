using System.Net;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Security;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>The iris sample (unbatched, labels, two versions) and a batched identity model with a dynamic batcher.</summary>
public sealed class ModelConfigFixture : ServiceFixture
{
    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository
        .AddSampleModel("iris")
        .AddModel("batched", "identity_float.onnx")
        .WithConfig("batched", """
            { "max_batch_size": 8, "instance_group": [{ "count": 2, "kind": "KIND_CPU" }],
              "dynamic_batching": { "preferred_batch_size": [4, 8], "max_queue_delay_microseconds": 500,
                                    "default_queue_policy": { "max_queue_size": 16, "default_timeout_microseconds": 100000, "allow_timeout_override": true } } }
            """);
}

/// <summary>
/// The model configuration extension: <c>GET /v2/models/{m}[/versions/{v}]/config</c> in Triton's JSON form, what
/// tritonclient's get_model_config and perf_analyzer read.
/// </summary>
public class ModelConfigApiTests(ModelConfigFixture service) : IClassFixture<ModelConfigFixture>
{
    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task GetConfig_UnbatchedModelWithLabels_GivesItsEffectiveConfig()
    {
        var body = await ResponseAssert.JsonAsync(await _client.GetAsync("/v2/models/iris/config"), HttpStatusCode.OK);

        JsonCompare.Equal("""
            {
              "name": "iris", "platform": "onnxruntime_onnx", "backend": "onnxruntime",
              "version_policy": { "latest": { "num_versions": 2 } },
              "max_batch_size": 0,
              "input": [{ "name": "input", "data_type": "TYPE_FP32", "dims": [-1, 4] }],
              "output": [
                { "name": "probabilities", "data_type": "TYPE_FP32", "dims": [-1, 3], "label_filename": "labels.txt" },
                { "name": "label", "data_type": "TYPE_INT64", "dims": [-1], "label_filename": "labels.txt" }
              ],
              "instance_group": [{ "name": "iris_0", "kind": "KIND_CPU", "count": 1 }],
              "parameters": { "intra_op_num_threads": { "string_value": "1" } },
              "default_model_filename": "model.onnx"
            }
            """, body);
    }

    [Fact]
    public async Task GetConfig_BatchedModel_LeavesOutTheBatchDimensionAndGivesTheBatcher()
    {
        var body = await ResponseAssert.JsonAsync(await _client.GetAsync("/v2/models/batched/versions/1/config"), HttpStatusCode.OK);

        Assert.Equal(8, body.GetProperty("max_batch_size").GetInt32());
        JsonCompare.Equal("""[{ "name": "x", "data_type": "TYPE_FP32", "dims": [3] }]""", body.GetProperty("input"));
        JsonCompare.Equal("""[{ "name": "y", "data_type": "TYPE_FP32", "dims": [3] }]""", body.GetProperty("output"));
        JsonCompare.Equal("""[{ "name": "batched_0", "kind": "KIND_CPU", "count": 2 }]""", body.GetProperty("instance_group"));
        JsonCompare.Equal("""
            { "preferred_batch_size": [4, 8], "max_queue_delay_microseconds": 500, "preserve_ordering": false,
              "default_queue_policy": { "max_queue_size": 16, "default_timeout_microseconds": 100000, "allow_timeout_override": true } }
            """, body.GetProperty("dynamic_batching"));
        JsonCompare.Equal("""{ "latest": { "num_versions": 1 } }""", body.GetProperty("version_policy"));
    }

    [Theory]
    [InlineData("/v2/models/nope/config", HttpStatusCode.NotFound, "nope")]
    [InlineData("/v2/models/iris/versions/9/config", HttpStatusCode.NotFound, "9")]
    public async Task GetConfig_UnknownModelOrVersion_Is404(string path, HttpStatusCode status, string fragment)
    {
        await ResponseAssert.ProtocolErrorAsync(await _client.GetAsync(path), status, fragment);
    }

    [Fact]
    public void ConfigRoutes_NeedTheInferScope()
    {
        var endpoints = service.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>().Where(e => e.RoutePattern.RawText?.EndsWith("/config", StringComparison.Ordinal) == true).ToArray();

        Assert.Equal(2, endpoints.Length);
        Assert.All(endpoints, e => Assert.Equal(Scopes.Infer, e.Metadata.GetMetadata<RequiredScopeAttribute>()?.Scope));
    }
}
