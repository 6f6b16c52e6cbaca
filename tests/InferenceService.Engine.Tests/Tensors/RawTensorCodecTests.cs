using System.Buffers.Binary;
using System.Text;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static InferenceService.Engine.Tests.Tensors.TestJson;

namespace InferenceService.Engine.Tests.Tensors;

/// <summary>
/// The raw layout (binary tensor data, gRPC raw contents): every datatype decodes to the very tensor its JSON gives,
/// runs through the type's identity model and comes back byte for byte; sizes that disagree with the shape are refused.
/// </summary>
public class RawTensorCodecTests
{
    public static TheoryData<string, string, string> Cases
    {
        get
        {
            var cases = new TheoryData<string, string, string>();
            foreach (var row in IdentityRoundTripTests.Cases)
            {
                cases.Add((string)row[0], (string)row[1], (string)row[2]);
            }
            return cases;
        }
    }

    /// <summary>The raw bytes of a decoded tensor, written as a client would send them.</summary>
    internal static byte[] RawOf(InputTensor tensor)
    {
        if (tensor.Strings is null)
        {
            return tensor.Data.ToArray();
        }
        var bytes = new List<byte>();
        foreach (var text in tensor.Strings)
        {
            var utf8 = Encoding.UTF8.GetBytes(text);
            var prefix = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(prefix, utf8.Length);
            bytes.AddRange(prefix);
            bytes.AddRange(utf8);
        }
        return [.. bytes];
    }

    private static OrtValue RunIdentity(string model, InputTensor input)
    {
        using var session = OnnxSession.Create(Path.Combine(AppContext.BaseDirectory, "TestModels", $"identity_{model}.onnx"));
        using var value = input.CreateOrtValue();
        return session.Run(["x"], [value], ["y"])[0];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_RawBytesOfJsonTensor_GivesTheSameTensor(string model, string datatype, string json)
    {
        _ = model;
        Assert.True(TensorDataType.TryParse(datatype, out var type));
        using var fromJson = JsonTensorDecoder.DecodeWithShape("x", Parse(json), type, [2, 3]);
        var raw = RawOf(fromJson);

        using var fromRaw = RawTensorDecoder.Decode("x", type, [2, 3], raw);

        Assert.Equal(type, fromRaw.ElementType);
        Assert.Equal([2L, 3L], fromRaw.Shape);
        Assert.Equal(fromJson.Data.ToArray(), fromRaw.Data.ToArray());
        Assert.Equal(fromJson.Strings, fromRaw.Strings);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_IdentityOutput_IsByteForByteTheInput(string model, string datatype, string json)
    {
        Assert.True(TensorDataType.TryParse(datatype, out var type));
        using var fromJson = JsonTensorDecoder.DecodeWithShape("x", Parse(json), type, [2, 3]);
        var raw = RawOf(fromJson);
        using var input = RawTensorDecoder.Decode("x", type, [2, 3], raw);

        using var output = RunIdentity(model, input);
        var tensor = OutputTensor.Whole(output);

        Assert.Equal(raw.Length, RawTensorEncoder.ByteLength(tensor));
        Assert.Equal(raw, RawTensorEncoder.ToArray(tensor));
    }

    [Fact]
    public void Encode_RowsOfABatch_WritesOnlyThoseRows()
    {
        using var input = RawTensorDecoder.Decode("x", TensorElementType.Int32, [3, 3], Int32Bytes(0, 1, 2, 3, 4, 5, 6, 7, 8));
        using var output = RunIdentity("int32", input);

        var rows = OutputTensor.SplitRows(output, [1, 2]);

        Assert.Equal(Int32Bytes(0, 1, 2), RawTensorEncoder.ToArray(rows[0]));
        Assert.Equal(Int32Bytes(3, 4, 5, 6, 7, 8), RawTensorEncoder.ToArray(rows[1]));
    }

    [Fact]
    public void Decode_AlignedArray_BorrowsItWithoutCopying()
    {
        var body = new byte[64];
        Int32Bytes(7, 8, 9).CopyTo(body, 16);

        using var tensor = RawTensorDecoder.Decode("x", TensorElementType.Int32, [1, 3], body.AsMemory(16, 12));
        body[16] = 42; // the tensor is the body's memory

        Assert.True(tensor.IsBorrowed);
        Assert.Equal([42, 8, 9], tensor.GetData<int>().ToArray());
        using var output = RunIdentity("int32", tensor);
        Assert.Equal([42, 8, 9], OutputTensor.Whole(output).GetTensorData<int>().ToArray());
    }

    [Fact]
    public void Decode_MisalignedArray_CopiesIntoAPooledBuffer()
    {
        var body = new byte[64];
        Int32Bytes(7, 8, 9).CopyTo(body, 17);

        using var tensor = RawTensorDecoder.Decode("x", TensorElementType.Int32, [1, 3], body.AsMemory(17, 12));
        body[17] = 42;

        Assert.False(tensor.IsBorrowed);
        Assert.Equal([7, 8, 9], tensor.GetData<int>().ToArray());
    }

    [Fact]
    public void Decode_EmptyTensor_HasNoElements()
    {
        using var tensor = RawTensorDecoder.Decode("x", TensorElementType.Float, [0, 3], ReadOnlyMemory<byte>.Empty);
        Assert.Equal(0, tensor.ElementCount);
        using var strings = RawTensorDecoder.Decode("s", TensorElementType.String, [0], ReadOnlyMemory<byte>.Empty);
        Assert.Empty(strings.Strings!);
    }

    public static TheoryData<string, long[], int, string> WrongSizes => new()
    {
        { "FP32", [2, 3], 20, "Input 'x' has shape [2, 3] of FP32, which takes 24 bytes (6 elements of 4), but 20 bytes were given." },
        { "FP32", [2, 3], 28, "Input 'x' has shape [2, 3] of FP32, which takes 24 bytes (6 elements of 4), but 28 bytes were given." },
        { "FP16", [3], 1, "Input 'x' has shape [3] of FP16, which takes 6 bytes (3 elements of 2), but 1 byte was given." },
        { "BF16", [1], 0, "Input 'x' has shape [1] of BF16, which takes 2 bytes (1 element of 2), but 0 bytes were given." },
        { "INT64", [1L << 61, 2], 8, "Input 'x' has shape [2305843009213693952, 2] of INT64, which takes 36893488147419103232 bytes (4611686018427387904 elements of 8), but 8 bytes were given." },
        { "BOOL", [2], 3, "Input 'x' has shape [2] of BOOL, which takes 2 bytes (2 elements of 1), but 3 bytes were given." },
    };

    [Fact]
    public void Measure_ShapeTooLargeToCount_IsRefusedBeforeSizes()
    {
        AssertInvalid("Input 'x' shape [4611686018427387904, 4] has more elements than a tensor can hold.",
            () => RawTensorDecoder.Measure("x", TensorElementType.Int64, [4611686018427387904, 4], new byte[8]));
    }

    [Theory]
    [MemberData(nameof(WrongSizes))]
    public void Measure_ByteCountDisagreesWithShape_SaysBoth(string datatype, long[] shape, int given, string message)
    {
        Assert.True(TensorDataType.TryParse(datatype, out var type));
        AssertInvalid(message, () => RawTensorDecoder.Measure("x", type, shape, new byte[given]));
    }

    [Fact]
    public void Measure_NegativeDimension_IsRefused()
    {
        AssertInvalid("Input 'x' has a negative dimension (-1) in shape [-1, 3].",
            () => RawTensorDecoder.Measure("x", TensorElementType.Float, [-1, 3], new byte[12]));
    }

    public static TheoryData<byte[], long[], string> WrongStrings => new()
    {
        { [1, 0, 0], [1], "Input 's' (BYTES) element 0 is cut short: its 4-byte length needs 4 bytes at byte 0, but only 3 bytes remain." },
        { [5, 0, 0, 0, 65, 66], [1], "Input 's' (BYTES) element 0 says it has 5 bytes, but only 2 bytes remain." },
        { [255, 255, 255, 255, 65], [1], "Input 's' (BYTES) element 0 says it has 4294967295 bytes, but only 1 byte remains." },
        { [1, 0, 0, 0, 65, 1, 0, 0, 0, 66], [3], "Input 's' has shape [3], which holds 3 elements, but its 10 bytes of BYTES hold 2 length-prefixed elements." },
        { [1, 0, 0, 0, 65, 1, 0, 0, 0, 66], [1], "Input 's' has shape [1], which holds 1 element, but its 10 bytes of BYTES hold 2 length-prefixed elements." },
        { [1, 0, 0, 0, 65, 0, 0], [1], "Input 's' (BYTES) element 1 is cut short: its 4-byte length needs 4 bytes at byte 5, but only 2 bytes remain." },
    };

    [Theory]
    [MemberData(nameof(WrongStrings))]
    public void Measure_MalformedBytesElements_SaysWhere(byte[] data, long[] shape, string message)
    {
        AssertInvalid(message, () => RawTensorDecoder.Measure("s", TensorElementType.String, shape, data));
    }

    [Fact]
    public void Decode_BytesElementWithNul_IsRefused()
    {
        AssertInvalid("Input 's' element 1: contains the NUL byte, which BYTES tensors cannot hold.",
            () => RawTensorDecoder.Decode("s", TensorElementType.String, [2], new byte[] { 1, 0, 0, 0, 65, 2, 0, 0, 0, 66, 0 }));
    }

    [Fact]
    public void Decode_BytesElementNotUtf8_IsRefused()
    {
        AssertInvalid("Input 's' element 0: is not UTF-8 text, which BYTES tensors of ONNX models hold.",
            () => RawTensorDecoder.Decode("s", TensorElementType.String, [1], new byte[] { 2, 0, 0, 0, 0xC3, 0x28 }));
    }

    [Fact]
    public void Decode_BoolByteNotZeroOrOne_IsRefused()
    {
        AssertInvalid("Input 'b' element 2: the byte 2 is not a BOOL (0 or 1).",
            () => RawTensorDecoder.Decode("b", TensorElementType.Bool, [3], new byte[] { 1, 0, 2 }));
    }

    [Fact]
    public void Decode_AfterDispose_DataIsGone()
    {
        var tensor = RawTensorDecoder.Decode("x", TensorElementType.Int32, [1], new byte[4].AsMemory());
        tensor.Dispose();
        Assert.Throws<ObjectDisposedException>(() => tensor.Data);
        tensor.Dispose();
    }

    internal static byte[] Int32Bytes(params int[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        }
        return bytes;
    }
}
