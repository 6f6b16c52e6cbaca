using System.Runtime.InteropServices;
using System.Text.Json;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Repository;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Engine.Tests.TestSupport;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Serving;

/// <summary>
/// The request path's decode for inputs sent as raw bytes, alone and beside JSON inputs, against
/// two_inputs_two_outputs (a, b FP32 [batch, 4] → sum, product): the same checks, every problem at once.
/// </summary>
public sealed class InferencePipelineRawDecodeTests : IDisposable
{
    private readonly LoadedModel _model = LoadedModel.WithScheduler(
        "pair", 3, new ModelConfig { MaxBatchSize = 4 },
        new SessionPool([OnnxSession.Create(TempRepository.TestModel("two_inputs_two_outputs.onnx"))]),
        new Dictionary<string, IReadOnlyList<string>>());

    private readonly InferencePipeline _pipeline = new();
    private readonly JsonDocument _json = JsonDocument.Parse("[[1, 1, 1, 1], [2, 2, 2, 2]]");

    public void Dispose()
    {
        _json.Dispose();
        _model.Dispose();
    }

    private static JsonInput Raw(string name, long[] shape, params float[] values) =>
        JsonInput.WithRawData(name, TensorElementType.Float, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    [Fact]
    public async Task Decode_RawAndJsonInputs_RunAsOneRequest()
    {
        var problems = new RequestProblems();
        using var decoded = _pipeline.Decode(_model, [Raw("a", [2, 4], 1, 2, 3, 4, 5, 6, 7, 8), JsonInput.WithShape("b", TensorElementType.Float, [2, 4], _json.RootElement)], null, ref problems);

        Assert.False(problems.Any);
        Assert.NotNull(decoded);
        Assert.Equal(2, decoded.Rows);
        using var result = await _pipeline.InferAsync(decoded, CancellationToken.None);
        Assert.Equal([2f, 3, 4, 5, 7, 8, 9, 10], result.Values[0].GetTensorData<float>().ToArray());
    }

    [Fact]
    public void Decode_RawSizesAndMetadataWrong_ReportsEveryProblem()
    {
        var problems = new RequestProblems();
        var decoded = _pipeline.Decode(_model, [Raw("a", [2, 4], 1, 2, 3), JsonInput.WithRawData("b", TensorElementType.Int32, [2, 4], new byte[32])], null, ref problems);

        Assert.Null(decoded);
        Assert.Equal(
            "Input 'a' has shape [2, 4] of FP32, which takes 32 bytes (8 elements of 4), but 12 bytes were given. Input 'b' expects FP32, got INT32.",
            problems.ToException().Message);
    }

    [Fact]
    public void Decode_RawRankWrong_IsRefusedBeforeTheSize()
    {
        var problems = new RequestProblems();
        _pipeline.Decode(_model, [Raw("a", [8], 1, 2, 3, 4, 5, 6, 7, 8), Raw("b", [1, 4], 1, 2, 3, 4)], null, ref problems);

        Assert.Equal("Input 'a' expects rank 2 [-1, 4], got rank 1 [8].", problems.ToException().Message);
    }
}
