using System.Text;
using System.Text.Json;
using InferenceService.LoadGenerator.Payload;

namespace InferenceService.LoadGenerator.Tests.Payload;

public class BinaryPayloadTests
{
    [Fact]
    public void From_JsonPayload_IsAJsonHeaderThenEachInputsRawBytes()
    {
        var json = new InferPayload("""
            { "inputs": [
                { "name": "a", "shape": [1, 2], "datatype": "FP32", "data": [1.5, -2] },
                { "name": "b", "shape": [1], "datatype": "INT64", "data": [3] } ] }
            """u8.ToArray(), 1, "generated");

        var binary = BinaryPayload.From(json, "mlp");

        var headerLength = binary.HeaderLength!.Value;
        using var header = JsonDocument.Parse(binary.Body.AsMemory(0, headerLength));
        var inputs = header.RootElement.GetProperty("inputs");
        Assert.True(header.RootElement.GetProperty("parameters").GetProperty("binary_data_output").GetBoolean());
        Assert.Equal(8, inputs[0].GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
        Assert.Equal(8, inputs[1].GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
        Assert.False(inputs[0].TryGetProperty("data", out _));
        byte[] expected = [.. BitConverter.GetBytes(1.5f), .. BitConverter.GetBytes(-2f), .. BitConverter.GetBytes(3L)];
        Assert.Equal(expected, binary.Body[headerLength..]);
        Assert.Equal("generated (binary)", binary.Source);
    }
}
