using InferenceService.Client;
using System.Text.Json;
using InferenceService.LoadGenerator.Cli;
using InferenceService.LoadGenerator.Load;
using InferenceService.LoadGenerator.Measurement;
using InferenceService.LoadGenerator.Payload;

namespace InferenceService.LoadGenerator.Tests.Load;

public class ClientRequestSenderTests
{
    [Fact]
    public void ToRequest_JsonPayload_BecomesTypedTensorsOfTheSameValues()
    {
        var body = """
            { "inputs": [
                { "name": "a", "shape": [2, 2], "datatype": "FP32", "data": [[0.5, -1], [2, 3]] },
                { "name": "b", "shape": [2], "datatype": "INT64", "data": [7, -8] },
                { "name": "c", "shape": [1], "datatype": "BYTES", "data": ["x"] } ],
              "outputs": [{ "name": "y" }] }
            """u8.ToArray();

        var request = ClientRequestSender.ToRequest("mlp", "2", body);

        Assert.Equal(("mlp", "2"), (request.ModelName, request.ModelVersion));
        Assert.Equal(["y"], request.Outputs);
        Assert.Equal([0.5f, -1f, 2f, 3f], request.Inputs[0].ToArray<float>());
        Assert.Equal([2L, 2L], request.Inputs[0].Shape);
        Assert.Equal([7L, -8L], request.Inputs[1].ToArray<long>());
        Assert.Equal(["x"], request.Inputs[2].ToStrings());
    }

    [Fact]
    public async Task TryCreate_HttpBinary_SendsTheInputsAsBinaryTensorDataThroughTheClient()
    {
        var payload = new InferPayload("""
            { "inputs": [
                { "name": "a", "shape": [1, 2], "datatype": "FP32", "data": [1.5, -2] },
                { "name": "b", "shape": [1], "datatype": "INT64", "data": [3] } ] }
            """u8.ToArray(), 1, "generated");
        var handler = new CapturingHandler();
        var options = new RunOptions { BaseUrl = new Uri("http://127.0.0.1:9/"), Model = "mlp", Binary = true, Concurrency = [1], RequestTimeout = TimeSpan.FromSeconds(5) };

        using var sender = ClientRequestSender.TryCreate(options, payload, handler);
        await sender!.SendAsync(new StepRecorder(), CancellationToken.None);

        var headerLength = int.Parse(handler.HeaderLength!, System.Globalization.CultureInfo.InvariantCulture);
        using var header = JsonDocument.Parse(handler.Body.AsMemory(0, headerLength));
        Assert.Equal("http://127.0.0.1:9/v2/models/mlp/infer", handler.Uri?.ToString());
        Assert.True(header.RootElement.GetProperty("parameters").GetProperty("binary_data_output").GetBoolean());
        var inputs = header.RootElement.GetProperty("inputs");
        Assert.Equal(8, inputs[0].GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
        Assert.False(inputs[0].TryGetProperty("data", out _));
        byte[] expected = [.. BitConverter.GetBytes(1.5f), .. BitConverter.GetBytes(-2f), .. BitConverter.GetBytes(3L)];
        Assert.Equal(expected, handler.Body[headerLength..]);
    }

    [Fact]
    public void TryCreate_HttpJson_IsNoClientSender()
    {
        var payload = new InferPayload("""{ "inputs": [] }"""u8.ToArray(), 1, "generated");
        var options = new RunOptions { BaseUrl = new Uri("http://127.0.0.1:9/"), Model = "mlp", Concurrency = [1] };

        Assert.Null(ClientRequestSender.TryCreate(options, payload));
    }

    private sealed class CapturingHandler : HttpMessageHandler
    {
        public Uri? Uri { get; private set; }

        public string? HeaderLength { get; private set; }

        public byte[] Body { get; private set; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Uri = request.RequestUri;
            HeaderLength = request.Headers.GetValues("Inference-Header-Content-Length").Single();
            Body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            var answer = """{ "model_name": "mlp", "model_version": "1", "id": "1", "outputs": [] }"""u8.ToArray();
            return new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new ByteArrayContent(answer) };
        }
    }

    [Theory]
    [InlineData(InferenceErrorCode.Unavailable, 503)]
    [InlineData(InferenceErrorCode.DeadlineExceeded, 504)]
    [InlineData(InferenceErrorCode.InvalidArgument, 400)]
    [InlineData(InferenceErrorCode.NotFound, 404)]
    [InlineData(InferenceErrorCode.Internal, 500)]
    public void StatusOf_ClientErrorCode_IsTheHttpStatusItStandsFor(InferenceErrorCode code, int status) =>
        Assert.Equal(status, ClientRequestSender.StatusOf(code));
}
