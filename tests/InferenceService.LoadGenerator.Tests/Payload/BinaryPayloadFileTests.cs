using System.Text;
using InferenceService.LoadGenerator.Payload;

namespace InferenceService.LoadGenerator.Tests.Payload;

public class BinaryPayloadFileTests
{
    [Fact]
    public void FromFile_JsonThenBinaryData_KnowsTheJsonsLength()
    {
        var header = """{"inputs":[{"name":"x","shape":[2,1],"datatype":"FP32","parameters":{"binary_data_size":8}}]}""";
        byte[] body = [.. Encoding.UTF8.GetBytes(header), 0, 0, 128, 63, 0, 0, 0, 64];
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, body);

            var payload = PayloadFactory.FromFile(path);

            Assert.Equal(header.Length, payload.HeaderLength);
            Assert.Equal(2, payload.RowsPerRequest);
            Assert.Equal(body, payload.Body);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("""{"inputs":[]}""")]
    [InlineData("{\"inputs\":[]}\n")]
    [InlineData("{\"inputs\":[]} \r\n\t")]
    public void JsonHeaderLength_JsonOnly_IsNull(string json) =>
        Assert.Null(BinaryPayloadFile.JsonHeaderLength(Encoding.UTF8.GetBytes(json)));
}
