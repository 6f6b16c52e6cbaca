using InferenceService.Engine.Tensors;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;
using static InferenceService.Engine.Tests.Tensors.TestJson;

using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Tensors;

/// <summary>
/// Every element type end to end through ONNX Runtime: JSON, decoded into a pooled buffer, wrapped as an OrtValue,
/// run through the type's identity model (input x [batch, 3], output y), encoded back to JSON.
/// </summary>
public class IdentityRoundTripTests
{
    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "float", "FP32", "[[1.5, -2, \"NaN\"], [\"Infinity\", \"-Infinity\", 3.4028235e38]]", "[[1.5,-2,\"NaN\"],[\"Infinity\",\"-Infinity\",3.4028235E+38]]" },
        { "double", "FP64", "[[0.1, -1.7976931348623157e308, 5e-324], [\"NaN\", \"Infinity\", \"-Infinity\"]]", "[[0.1,-1.7976931348623157E+308,5E-324],[\"NaN\",\"Infinity\",\"-Infinity\"]]" },
        { "float16", "FP16", "[[65504, -65504, 0.1], [6e-8, \"NaN\", \"-Infinity\"]]", "[[65504,-65504,0.099975586],[5.9604645E-08,\"NaN\",\"-Infinity\"]]" },
        { "bfloat16", "BF16", "[[1.00390625, 1.0039062500000002, 3.3895314e38], [-0.0, \"NaN\", \"Infinity\"]]", "[[1,1.0078125,3.3895314E+38],[-0,\"NaN\",\"Infinity\"]]" },
        { "int8", "INT8", "[[-128, 127, 0], [1, -1, 3.0]]", "[[-128,127,0],[1,-1,3]]" },
        { "int16", "INT16", "[[-32768, 32767, 0], [1, -1, 1e2]]", "[[-32768,32767,0],[1,-1,100]]" },
        { "int32", "INT32", "[[-2147483648, 2147483647, 0], [1, -1, 2]]", "[[-2147483648,2147483647,0],[1,-1,2]]" },
        { "int64", "INT64", "[[-9223372036854775808, 9223372036854775807, 0], [9007199254740993, -1, 2]]", "[[-9223372036854775808,9223372036854775807,0],[9007199254740993,-1,2]]" },
        { "uint8", "UINT8", "[[0, 255, 1], [2, 3, 4]]", "[[0,255,1],[2,3,4]]" },
        { "uint16", "UINT16", "[[0, 65535, 1], [2, 3, 4]]", "[[0,65535,1],[2,3,4]]" },
        { "uint32", "UINT32", "[[0, 4294967295, 1], [2, 3, 4]]", "[[0,4294967295,1],[2,3,4]]" },
        { "uint64", "UINT64", "[[0, 18446744073709551615, 9223372036854775808], [2, 3, 4]]", "[[0,18446744073709551615,9223372036854775808],[2,3,4]]" },
        { "bool", "BOOL", "[[true, false, true], [false, false, true]]", "[[true,false,true],[false,false,true]]" },
        { "string", "BYTES", "[[\"\", \"héllo\", \"日本語\"], [\"a\\\"b\", \"tab\\there\", \"😀\"]]", "[[\"\",\"héllo\",\"日本語\"],[\"a\\\"b\",\"tab\\there\",\"\\uD83D\\uDE00\"]]" },
    };

    private static string Run(string model, InputTensor input, Action<System.Text.Json.Utf8JsonWriter, OutputTensor> write)
    {
        using var session = OnnxSession.Create(Path.Combine(AppContext.BaseDirectory, "TestModels", $"identity_{model}.onnx"));
        TensorValidator.Validate(session.Inputs[0], input.ElementType, input.Shape);
        OrtValue[] outputs;
        using (var value = input.CreateOrtValue())
        {
            outputs = session.Run(["x"], [value], ["y"]);
        }
        try
        {
            Assert.Equal(input.ElementType, outputs[0].ElementType);
            Assert.Equal(input.Shape, outputs[0].Shape);
            return Write(writer => write(writer, OutputTensor.Whole(outputs[0])));
        }
        finally
        {
            outputs[0].Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DecodeNested_RunIdentity_WriteNested_ReturnsSameJson(string model, string datatype, string input, string expected)
    {
        Assert.True(TensorDataType.TryParse(datatype, out var type));
        using var tensor = JsonTensorDecoder.DecodeNested("x", Parse(input), type);
        Assert.Equal([2L, 3L], tensor.Shape);
        Assert.Equal(expected, Run(model, tensor, JsonTensorEncoder.WriteNested));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DecodeWithShape_RunIdentity_WriteFlat_ReturnsFlatJson(string model, string datatype, string input, string expected)
    {
        Assert.True(TensorDataType.TryParse(datatype, out var type));
        using var tensor = JsonTensorDecoder.DecodeWithShape("x", Parse(input), type, [2, 3]);
        var flat = "[" + expected[2..^2].Replace("],[", ",", StringComparison.Ordinal) + "]";
        Assert.Equal(flat, Run(model, tensor, JsonTensorEncoder.WriteFlat));
    }

    public static TheoryData<string, string> Models
    {
        get
        {
            var models = new TheoryData<string, string>();
            foreach (var row in Cases)
            {
                models.Add((string)row[0], (string)row[1]);
            }
            return models;
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void DecodeWithShape_EmptyBatch_RunIdentity_ReturnsEmptyArray(string model, string datatype)
    {
        Assert.True(TensorDataType.TryParse(datatype, out var type));
        using var tensor = JsonTensorDecoder.DecodeWithShape("x", Parse("[]"), type, [0, 3]);
        Assert.Equal("[]", Run(model, tensor, JsonTensorEncoder.WriteNested));
    }
}
