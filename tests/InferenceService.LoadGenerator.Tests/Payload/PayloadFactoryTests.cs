using System.Text;
using System.Text.Json;
using InferenceService.LoadGenerator.Payload;

namespace InferenceService.LoadGenerator.Tests.Payload;

public class PayloadFactoryTests
{
    private static readonly ModelMetadata s_twoInputs = ModelMetadata.Parse(Encoding.UTF8.GetBytes(
        """
        {"name":"m","versions":["1"],"platform":"onnx_onnxv1",
         "inputs":[{"name":"image","datatype":"FP32","shape":[-1,3,4]},{"name":"ids","datatype":"INT64","shape":[-1]}],
         "outputs":[{"name":"y","datatype":"FP32","shape":[-1,10]}]}
        """));

    [Fact]
    public void Generate_DynamicBatchDimension_FillsItWithTheBatchSize()
    {
        var payload = PayloadFactory.Generate(s_twoInputs, batchSize: 5, seed: 1);

        using var request = JsonDocument.Parse(payload.Body);
        var inputs = request.RootElement.GetProperty("inputs");
        Assert.Equal(2, inputs.GetArrayLength());
        Assert.Equal("image", inputs[0].GetProperty("name").GetString());
        Assert.Equal("FP32", inputs[0].GetProperty("datatype").GetString());
        Assert.Equal([5L, 3, 4], inputs[0].GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal(60, inputs[0].GetProperty("data").GetArrayLength());
        Assert.All(inputs[0].GetProperty("data").EnumerateArray(), v => Assert.InRange(v.GetDouble(), -1, 1));
        Assert.Equal(5, inputs[1].GetProperty("data").GetArrayLength());
        Assert.All(inputs[1].GetProperty("data").EnumerateArray(), v => Assert.InRange(v.GetInt64(), 0, 9));
        Assert.Equal(5, payload.RowsPerRequest);
        Assert.Equal("generated", payload.Source);
    }

    [Fact]
    public void Generate_SameSeed_SameBytes_OtherSeed_OtherBytes()
    {
        var a = PayloadFactory.Generate(s_twoInputs, 2, seed: 7).Body;
        var b = PayloadFactory.Generate(s_twoInputs, 2, seed: 7).Body;
        var c = PayloadFactory.Generate(s_twoInputs, 2, seed: 8).Body;

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void ConcreteShape_DynamicDimensionAfterTheFirst_IsRefusedPointingToPayload()
    {
        var error = Assert.Throws<FormatException>(() => PayloadFactory.ConcreteShape(new MetadataInput("tokens", "INT64", [-1, -1]), 4));

        Assert.Contains("--payload", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConcreteShape_TooManyElements_IsRefused() =>
        Assert.Throws<FormatException>(() => PayloadFactory.ConcreteShape(new MetadataInput("x", "FP32", [-1, 3, 1024, 1024]), 64));

    [Fact]
    public void FromFile_InferRequest_TakesRowsFromTheFirstInputsFirstDimension()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{"inputs":[{"name":"x","shape":[3,2],"datatype":"FP32","data":[1,2,3,4,5,6]}]}""");

            var payload = PayloadFactory.FromFile(path);

            Assert.Equal(3, payload.RowsPerRequest);
            Assert.Equal(path, payload.Source);
            Assert.Equal(File.ReadAllBytes(path), payload.Body);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("""{"inputs":[]}""")]
    [InlineData("""{"model":"x"}""")]
    [InlineData("not json")]
    public void FromFile_NotAnInferRequest_IsRefused(string content)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, content);

            Assert.Throws<FormatException>(() => PayloadFactory.FromFile(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
