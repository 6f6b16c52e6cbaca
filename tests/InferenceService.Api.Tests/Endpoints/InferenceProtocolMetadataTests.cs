using System.Net;
using System.Text.RegularExpressions;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>The Open Inference Protocol's server and model metadata, model readiness and the repository index.</summary>
public class InferenceProtocolMetadataTests(StandardModelsFixture service) : IClassFixture<StandardModelsFixture>
{
    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task GetServerMetadata_Always_ReturnsNameVersionAndExtensions()
    {
        var body = await ResponseAssert.JsonAsync(await _client.GetAsync("/v2"), HttpStatusCode.OK);

        Assert.Equal("inference-service", body.GetProperty("name").GetString());
        Assert.Matches(new Regex(@"^\d+\.\d+\.\d+"), body.GetProperty("version").GetString()!);
        Assert.Equal(["model_repository", "statistics", "binary_tensor_data", "classification", "model_configuration"], body.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task GetModelMetadata_WithoutVersion_ReturnsNameVersionsPlatformAndTensors()
    {
        var body = await ResponseAssert.JsonAsync(await _client.GetAsync("/v2/models/iris"), HttpStatusCode.OK);

        JsonCompare.Equal("""
            {
              "name": "iris",
              "versions": ["2", "1"],
              "platform": "onnx_onnxv1",
              "inputs": [{ "name": "input", "datatype": "FP32", "shape": [-1, 4] }],
              "outputs": [
                { "name": "probabilities", "datatype": "FP32", "shape": [-1, 3] },
                { "name": "label", "datatype": "INT64", "shape": [-1] }
              ],
              "execution_providers": ["CPUExecutionProvider"]
            }
            """, body);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public async Task GetModelMetadata_WithVersion_ReturnsThatVersionsTensorsAndEveryServedVersion(string version)
    {
        var body = await ResponseAssert.JsonAsync(await _client.GetAsync($"/v2/models/iris/versions/{version}"), HttpStatusCode.OK);

        Assert.Equal("iris", body.GetProperty("name").GetString());
        Assert.Equal(["2", "1"], body.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("onnx_onnxv1", body.GetProperty("platform").GetString());
        JsonCompare.Equal("""[{ "name": "input", "datatype": "FP32", "shape": [-1, 4] }]""", body.GetProperty("inputs"));
    }

    [Fact]
    public async Task GetModelMetadata_SymbolicBatchDimension_IsMinusOne()
    {
        var body = await ResponseAssert.JsonAsync(await _client.GetAsync("/v2/models/two_inputs_two_outputs"), HttpStatusCode.OK);

        JsonCompare.Equal("""
            {
              "name": "two_inputs_two_outputs",
              "versions": ["1"],
              "platform": "onnx_onnxv1",
              "inputs": [{ "name": "a", "datatype": "FP32", "shape": [-1, 4] }, { "name": "b", "datatype": "FP32", "shape": [-1, 4] }],
              "outputs": [{ "name": "sum", "datatype": "FP32", "shape": [-1, 4] }, { "name": "product", "datatype": "FP32", "shape": [-1, 4] }],
              "execution_providers": ["CPUExecutionProvider"]
            }
            """, body);
    }

    [Fact]
    public async Task GetModelMetadata_FixedShapeModel_ReportsFixedDimensions()
    {
        var body = await ResponseAssert.JsonAsync(await _client.GetAsync("/v2/models/fixed_shape"), HttpStatusCode.OK);

        JsonCompare.Equal("""[{ "name": "x", "datatype": "FP32", "shape": [2, 3] }]""", body.GetProperty("inputs"));
        JsonCompare.Equal("""[{ "name": "y", "datatype": "FP32", "shape": [2, 3] }]""", body.GetProperty("outputs"));
    }

    [Fact]
    public async Task GetModelMetadata_UnknownModel_Returns404Error()
    {
        await ResponseAssert.ProtocolErrorAsync(await _client.GetAsync("/v2/models/nope"), HttpStatusCode.NotFound, "'nope'", "not in the repository");
    }

    [Fact]
    public async Task GetModelMetadata_UnknownVersion_Returns404Error()
    {
        await ResponseAssert.ProtocolErrorAsync(await _client.GetAsync("/v2/models/iris/versions/3"), HttpStatusCode.NotFound, "'iris'", "no version 3", "2, 1");
    }

    [Theory]
    [InlineData("/v2/models/iris/ready", "iris")]
    [InlineData("/v2/models/iris/versions/1/ready", "iris")]
    [InlineData("/v2/models/iris/versions/2/ready", "iris")]
    [InlineData("/v2/models/fixed_shape/ready", "fixed_shape")]
    public async Task GetModelReady_ReadyModel_Returns200True(string path, string model)
    {
        var body = await ResponseAssert.JsonAsync(await _client.GetAsync(path), HttpStatusCode.OK);

        Assert.Equal(model, body.GetProperty("name").GetString());
        Assert.True(body.GetProperty("ready").GetBoolean());
    }

    [Fact]
    public async Task GetModelReady_UnknownModel_Returns404Error()
    {
        await ResponseAssert.ProtocolErrorAsync(await _client.GetAsync("/v2/models/nope/ready"), HttpStatusCode.NotFound, "'nope'");
    }

    [Theory]
    [InlineData("9", "no version 9")]
    [InlineData("0", "no version '0'")]
    [InlineData("abc", "no version 'abc'")]
    [InlineData("-1", "no version '-1'")]
    public async Task GetModelReady_UnknownOrNonNumericVersion_Returns404Error(string version, string fragment)
    {
        await ResponseAssert.ProtocolErrorAsync(await _client.GetAsync($"/v2/models/iris/versions/{version}/ready"), HttpStatusCode.NotFound, "'iris'", fragment);
    }

    [Fact]
    public async Task PostRepositoryIndex_EverythingLoaded_ListsEveryVersionReadyInNameOrder()
    {
        var body = await ResponseAssert.JsonAsync(await _client.PostAsync("/v2/repository/index", null), HttpStatusCode.OK);

        JsonCompare.Equal("""
            [
              { "name": "fixed_shape", "version": "1", "state": "READY", "execution_providers": ["CPUExecutionProvider"] },
              { "name": "identity_bool", "version": "1", "state": "READY", "execution_providers": ["CPUExecutionProvider"] },
              { "name": "identity_float16", "version": "1", "state": "READY", "execution_providers": ["CPUExecutionProvider"] },
              { "name": "identity_int32", "version": "1", "state": "READY", "execution_providers": ["CPUExecutionProvider"] },
              { "name": "identity_string", "version": "1", "state": "READY", "execution_providers": ["CPUExecutionProvider"] },
              { "name": "identity_uint8", "version": "1", "state": "READY", "execution_providers": ["CPUExecutionProvider"] },
              { "name": "iris", "version": "2", "state": "READY", "execution_providers": ["CPUExecutionProvider"] },
              { "name": "iris", "version": "1", "state": "READY", "execution_providers": ["CPUExecutionProvider"] },
              { "name": "two_inputs_two_outputs", "version": "1", "state": "READY", "execution_providers": ["CPUExecutionProvider"] }
            ]
            """, body);
    }
}
