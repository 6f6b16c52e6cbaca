using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Onnx;

public class OnnxSessionTests
{
    // ---- Inputs, outputs and metadata --------------------------------------------------------------------------

    [Fact]
    public void Create_TwoInputsModel_ReportsInputsWithDynamicBatchAndItsName()
    {
        using var session = TestModels.Open(TestModels.TwoInputsTwoOutputs);

        Assert.Equal(["a", "b"], session.Inputs.Select(i => i.Name));
        foreach (var input in session.Inputs)
        {
            Assert.Equal(OnnxValueType.ONNX_TYPE_TENSOR, input.Kind);
            Assert.Equal(TensorElementType.Float, input.ElementType);
            Assert.Equal([-1L, 4L], input.Shape);
            Assert.Equal(["batch", ""], input.SymbolicDimensions);
            Assert.True(input.IsDynamic(0));
            Assert.False(input.IsDynamic(1));
        }
    }

    [Fact]
    public void Create_TwoInputsModel_ReportsOutputsInModelOrder()
    {
        using var session = TestModels.Open(TestModels.TwoInputsTwoOutputs);

        Assert.Equal(["sum", "product"], session.Outputs.Select(o => o.Name));
        Assert.All(session.Outputs, o =>
        {
            Assert.Equal(TensorElementType.Float, o.ElementType);
            Assert.Equal([-1L, 4L], o.Shape);
            Assert.Equal(["batch", ""], o.SymbolicDimensions);
        });
        Assert.Equal(0, session.GetOutputIndex("sum"));
        Assert.Equal(1, session.GetOutputIndex("product"));
        Assert.Equal(1, session.GetInputIndex("b"));
        Assert.Equal(-1, session.GetInputIndex("sum"));
        Assert.Equal(-1, session.GetOutputIndex("nope"));
    }

    [Fact]
    public void Create_FixedShapeModel_ReportsFixedDimensionsWithoutNames()
    {
        using var session = TestModels.Open(TestModels.FixedShape);

        var input = Assert.Single(session.Inputs);
        Assert.Equal("x", input.Name);
        Assert.Equal([2L, 3L], input.Shape);
        Assert.Equal(["", ""], input.SymbolicDimensions);
        Assert.False(input.IsDynamic(0));
        Assert.False(input.IsDynamic(1));
        var output = Assert.Single(session.Outputs);
        Assert.Equal("y", output.Name);
        Assert.Equal([2L, 3L], output.Shape);
    }

    [Fact]
    public void Create_CastModel_ReportsDifferentInputAndOutputTypes()
    {
        using var session = TestModels.Open(TestModels.CastInt32ToFloat);

        Assert.Equal(TensorElementType.Int32, session.Inputs[0].ElementType);
        Assert.Equal(TensorElementType.Float, session.Outputs[0].ElementType);
        Assert.Equal([-1L, 2L], session.Inputs[0].Shape);
    }

    [Fact]
    public void Create_TwoInputsModel_ReadsEveryMetadataField()
    {
        using var session = TestModels.Open(TestModels.TwoInputsTwoOutputs);

        var metadata = session.Metadata;
        Assert.Equal("InferenceService tests", metadata.ProducerName);
        Assert.Equal("two_inputs_two_outputs", metadata.GraphName);
        Assert.Equal("ai.inferenceservice.test", metadata.Domain);
        Assert.Equal("adds and multiplies", metadata.Description);
        Assert.Equal("graph description", metadata.GraphDescription);
        Assert.Equal(7, metadata.Version);
        Assert.Equal(
            new Dictionary<string, string> { ["author"] = "tests", ["license"] = "MIT" },
            metadata.CustomMetadata.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary());
    }

    [Fact]
    public void Create_IdentityModel_ReadsItsOwnMetadata()
    {
        using var session = TestModels.Open(TestModels.Identity("float"));

        Assert.Equal("identity_float", session.Metadata.GraphName);
        Assert.Equal("Returns its float input unchanged.", session.Metadata.Description);
        Assert.Equal(string.Empty, session.Metadata.Domain);
        Assert.Equal(string.Empty, session.Metadata.GraphDescription);
        Assert.Equal(1, session.Metadata.Version);
        Assert.Equal("identity", Assert.Single(session.Metadata.CustomMetadata, p => p.Key == "purpose").Value);
    }

    [Theory]
    [InlineData("two_inputs_two_outputs.onnx")]
    [InlineData("fixed_shape.onnx")]
    [InlineData("identity_string.onnx")]
    public void Create_FromBytes_GivesTheSameModelDescriptionAsFromTheFile(string fileName)
    {
        var path = TestModels.PathOf(fileName);
        using var fromFile = TestModels.Open(path);
        using var fromBytes = OnnxSession.Create(File.ReadAllBytes(path), TestModels.SingleThreaded);

        AssertSameTensorInfos(fromFile.Inputs, fromBytes.Inputs);
        AssertSameTensorInfos(fromFile.Outputs, fromBytes.Outputs);
        var (a, b) = (fromFile.Metadata, fromBytes.Metadata);
        Assert.Equal(
            (a.ProducerName, a.GraphName, a.Domain, a.Description, a.GraphDescription, a.Version),
            (b.ProducerName, b.GraphName, b.Domain, b.Description, b.GraphDescription, b.Version));
        Assert.Equal(a.CustomMetadata.OrderBy(p => p.Key, StringComparer.Ordinal), b.CustomMetadata.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.NotEmpty(b.ProducerName);
    }

    [Fact]
    public void Create_FromBytes_RunsLikeTheFile()
    {
        using var session = OnnxSession.Create(File.ReadAllBytes(TestModels.FixedShape), TestModels.SingleThreaded);

        Assert.Equal([1f, 2, 3, 4, 5, 6], session.RunFloat([0, 1, 2, 3, 4, 5], 2, 3));
    }

    // ---- Models that cannot be loaded -------------------------------------------------------------------------

    [Fact]
    public void Create_MissingFile_ThrowsNoSuchFileNamingThePath()
    {
        var path = TestModels.PathOf("does_not_exist.onnx");

        var e = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Create(path));

        Assert.Equal("NoSuchFile", OnnxErrors.Code(e));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("doesn't exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_CorruptFile_ThrowsInvalidProtobuf()
    {
        var e = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Create(TestModels.Corrupt));

        Assert.Equal("InvalidProtobuf", OnnxErrors.Code(e));
        Assert.Contains("corrupt.onnx", e.Message, StringComparison.Ordinal);
        Assert.Contains("Protobuf parsing failed", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Create_CorruptBytes_ThrowsInvalidProtobuf()
    {
        var e = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Create(File.ReadAllBytes(TestModels.Corrupt)));

        Assert.Equal("InvalidProtobuf", OnnxErrors.Code(e));
        Assert.Contains("protobuf parsing failed", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Create_TruncatedBytes_ThrowsOrtException()
    {
        var bytes = File.ReadAllBytes(TestModels.TwoInputsTwoOutputs);

        var e = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Create(bytes[..(bytes.Length / 2)]));

        Assert.Equal("InvalidProtobuf", OnnxErrors.Code(e));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void Create_EmptyBytes_ThrowsInvalidArgument()
    {
        var e = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Create(Array.Empty<byte>()));

        Assert.Equal("InvalidArgument", OnnxErrors.Code(e));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void Create_DirectoryInsteadOfFile_ThrowsInvalidArgument()
    {
        var e = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Create(TestModels.PathOf(string.Empty)));

        Assert.Equal("InvalidArgument", OnnxErrors.Code(e));
        Assert.Contains("directory", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    // ---- Runs -------------------------------------------------------------------------------------------------

    [Fact]
    public void Run_TwoInputs_ReturnsSumAndProduct()
    {
        using var session = TestModels.Open(TestModels.TwoInputsTwoOutputs);
        using var a = OrtValue.CreateTensorValueFromMemory<float>(new float[] { 1, 2, 3, 4, -1.5f, 0, 1e20f, 7 }, [2, 4]);
        using var b = OrtValue.CreateTensorValueFromMemory<float>(new float[] { 5, 6, 7, 8, 2, -3, 1e20f, 0.5f }, [2, 4]);

        using var outputs = session.RunOwned(["a", "b"], [a, b], ["sum", "product"]);

        Assert.Equal(2, outputs.Count);
        Assert.Equal([6f, 8, 10, 12, 0.5f, -3, 2e20f, 7.5f], outputs[0].GetTensorDataAsSpan<float>().ToArray());
        Assert.Equal([5f, 12, 21, 32, -3, 0, float.PositiveInfinity, 3.5f], outputs[1].GetTensorDataAsSpan<float>().ToArray());
        Assert.Equal([2L, 4L], outputs[0].Shape);
        Assert.Equal(TensorElementType.Float, outputs[1].ElementType);
    }

    [Fact]
    public void Run_OutputsRequestedInAnotherOrder_ReturnsThemInThatOrder()
    {
        using var session = TestModels.Open(TestModels.TwoInputsTwoOutputs);
        using var a = OrtValue.CreateTensorValueFromMemory<float>(new float[] { 1, 2, 3, 4 }, [1, 4]);
        using var b = OrtValue.CreateTensorValueFromMemory<float>(new float[] { 10, 10, 10, 10 }, [1, 4]);

        using var outputs = session.RunOwned(["b", "a"], [b, a], ["product"]);

        Assert.Equal(1, outputs.Count);
        Assert.Equal([10f, 20, 30, 40], outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }

    [Fact]
    public void Run_ByIndex_GivesTheSameResultsAsByName()
    {
        using var session = TestModels.Open(TestModels.TwoInputsTwoOutputs);
        using var a = OrtValue.CreateTensorValueFromMemory<float>(new float[] { 1, 2, 3, 4 }, [1, 4]);
        using var b = OrtValue.CreateTensorValueFromMemory<float>(new float[] { 2, 3, 4, 5 }, [1, 4]);

        using var byIndex = new Outputs(session.Run([1, 0], [b, a], [1, 0]));

        Assert.Equal([2f, 6, 12, 20], byIndex[0].GetTensorDataAsSpan<float>().ToArray());
        Assert.Equal([3f, 5, 7, 9], byIndex[1].GetTensorDataAsSpan<float>().ToArray());
    }

    [Fact]
    public void Run_CastModel_ConvertsInt32ToFloat()
    {
        using var session = TestModels.Open(TestModels.CastInt32ToFloat);
        using var x = OrtValue.CreateTensorValueFromMemory<int>(new[] { int.MinValue, -1, 0, 16_777_217 }, [2, 2]);

        using var outputs = session.RunOwned(["x"], [x], ["y"]);

        Assert.Equal(TensorElementType.Float, outputs[0].ElementType);
        Assert.Equal([-2147483648f, -1f, 0f, 16_777_216f], outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }

    [Fact]
    public void Run_BatchSizesOneFiveZero_OneSessionGivesEachItsOwnShape()
    {
        using var session = TestModels.Open(TestModels.Identity("float"));

        foreach (var batch in new[] { 1, 5, 0, 5, 1 })
        {
            var input = Enumerable.Range(0, batch * 3).Select(i => (float)(batch * 100 + i)).ToArray();
            using var x = OrtValue.CreateTensorValueFromMemory<float>(input, [batch, 3]);
            using var outputs = session.RunOwned(["x"], [x], ["y"]);

            Assert.Equal([(long)batch, 3L], outputs[0].Shape);
            Assert.Equal(batch * 3L, outputs[0].ElementCount);
            Assert.Equal(input, outputs[0].GetTensorDataAsSpan<float>().ToArray());
        }
    }

    [Fact]
    public void Run_ZeroRowsOverEmptyMemory_ReturnsAnEmptyTensor()
    {
        // ONNX Runtime accepts a zero-sized dimension for a symbolic one, even over a null data pointer.
        using var session = TestModels.Open(TestModels.Identity("float"));
        using var x = OrtValue.CreateTensor(Array.Empty<float>(), [0, 3]);

        using var outputs = session.RunOwned(["x"], [x], ["y"]);

        Assert.Equal([0L, 3L], outputs[0].Shape);
        Assert.Equal(0, outputs[0].ElementCount);
        Assert.True(outputs[0].GetTensorDataAsSpan<float>().IsEmpty);
        Assert.True(outputs[0].GetTensorBytes().IsEmpty);
    }

    [Fact]
    public void Run_OutputReadAfterTheSessionIsDisposed_StillHoldsItsValues()
    {
        var session = TestModels.Open(TestModels.Identity("int64"));
        using var x = OrtValue.CreateTensorValueFromMemory<long>(new[] { long.MinValue, 1, long.MaxValue }, [1, 3]);
        using var outputs = session.RunOwned(["x"], [x], ["y"]);

        session.Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.Equal([long.MinValue, 1, long.MaxValue], outputs[0].GetTensorDataAsSpan<long>().ToArray());
    }

    // ---- Bad runs fail cleanly and leave the session usable ----------------------------------------------------

    [Fact]
    public void Run_UnknownInputName_ThrowsArgumentListingTheInputs_AndSessionStillRuns()
    {
        using var session = TestModels.Open(TestModels.Identity("float"));
        using var x = OrtValue.CreateTensorValueFromMemory<float>(new float[] { 1, 2, 3 }, [1, 3]);

        var e = Assert.Throws<ArgumentException>(() => session.Run(["z"], [x], ["y"]));

        Assert.Contains("'z'", e.Message, StringComparison.Ordinal);
        Assert.Contains("x", e.Message, StringComparison.Ordinal);
        Assert.Equal([1f, 2, 3], session.RunFloat([1, 2, 3], 1, 3));
    }

    [Fact]
    public void Run_UnknownOutputName_ThrowsArgument_AndSessionStillRuns()
    {
        using var session = TestModels.Open(TestModels.Identity("float"));
        using var x = OrtValue.CreateTensorValueFromMemory<float>(new float[] { 1, 2, 3 }, [1, 3]);

        var e = Assert.Throws<ArgumentException>(() => session.Run(["x"], [x], ["x"]));

        Assert.Contains("no output named 'x'", e.Message, StringComparison.Ordinal);
        Assert.Equal([4f, 5, 6], session.RunFloat([4, 5, 6], 1, 3));
    }

    [Fact]
    public void Run_Int32TensorIntoFloatInput_ThrowsInvalidArgumentNamingBothTypes_AndSessionStillRuns()
    {
        using var session = TestModels.Open(TestModels.Identity("float"));
        using var x = OrtValue.CreateTensorValueFromMemory<int>(new[] { 1, 2, 3 }, [1, 3]);

        var e = Assert.Throws<OnnxRuntimeException>(() => session.Run(["x"], [x], ["y"]));

        Assert.Equal("InvalidArgument", OnnxErrors.Code(e));
        Assert.Contains("tensor(int32)", e.Message, StringComparison.Ordinal);
        Assert.Contains("tensor(float)", e.Message, StringComparison.Ordinal);
        Assert.Equal([7f, 8, 9], session.RunFloat([7, 8, 9], 1, 3));
    }

    [Fact]
    public void Run_WrongRank_ThrowsInvalidArgument_AndSessionStillRuns()
    {
        using var session = TestModels.Open(TestModels.Identity("float"));
        using var x = OrtValue.CreateTensorValueFromMemory<float>(new float[] { 1, 2, 3 }, [3]);

        var e = Assert.Throws<OnnxRuntimeException>(() => session.Run(["x"], [x], ["y"]));

        Assert.Equal("InvalidArgument", OnnxErrors.Code(e));
        Assert.Contains("Invalid rank for input: x Got: 1 Expected: 2", e.Message, StringComparison.Ordinal);
        Assert.Equal([1f, 2, 3], session.RunFloat([1, 2, 3], 1, 3));
    }

    [Fact]
    public void Run_WrongFixedDimension_ThrowsInvalidArgumentNamingTheIndex_AndSessionStillRuns()
    {
        using var session = TestModels.Open(TestModels.FixedShape);
        using var x = OrtValue.CreateTensorValueFromMemory<float>(new float[9], [3, 3]);

        var e = Assert.Throws<OnnxRuntimeException>(() => session.Run(["x"], [x], ["y"]));

        Assert.Equal("InvalidArgument", OnnxErrors.Code(e));
        Assert.Contains("index: 0 Got: 3 Expected: 2", e.Message, StringComparison.Ordinal);
        Assert.Equal([2f, 3, 4, 5, 6, 7], session.RunFloat([1, 2, 3, 4, 5, 6], 2, 3));
    }

    [Fact]
    public void Run_WrongFixedInnerDimensionOfDynamicInput_ThrowsInvalidArgument()
    {
        using var session = TestModels.Open(TestModels.Identity("float"));
        using var x = OrtValue.CreateTensorValueFromMemory<float>(new float[4], [1, 4]);

        var e = Assert.Throws<OnnxRuntimeException>(() => session.Run(["x"], [x], ["y"]));

        Assert.Equal("InvalidArgument", OnnxErrors.Code(e));
        Assert.Contains("index: 1 Got: 4 Expected: 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MissingInput_FailsInTheKernelWithFail_AndSessionStillRuns()
    {
        // ONNX Runtime 1.30 does not check up front that every graph input was fed: the first node that needs the
        // missing one fails, with the generic Fail code.
        using var session = TestModels.Open(TestModels.TwoInputsTwoOutputs);
        using var a = OrtValue.CreateTensorValueFromMemory<float>(new float[] { 1, 2, 3, 4 }, [1, 4]);

        var e = Assert.Throws<OnnxRuntimeException>(() => session.Run(["a"], [a], ["product"]));

        Assert.Equal("Fail", OnnxErrors.Code(e));
        Assert.Contains("Missing Input: b", e.Message, StringComparison.Ordinal);
        using var outputs = session.RunOwned(["a", "b"], [a, a], ["product"]);
        Assert.Equal([1f, 4, 9, 16], outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }

    [Fact]
    public void Run_NoOutputsRequested_ThrowsInvalidArgument()
    {
        using var session = TestModels.Open(TestModels.Identity("float"));
        using var x = OrtValue.CreateTensorValueFromMemory<float>(new float[3], [1, 3]);

        var e = Assert.Throws<OnnxRuntimeException>(() => session.Run(["x"], [x], ReadOnlySpan<string>.Empty));

        Assert.Equal("InvalidArgument", OnnxErrors.Code(e));
        Assert.Contains("At least one output", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MoreNamesThanValues_ThrowsArgumentException()
    {
        using var session = TestModels.Open(TestModels.TwoInputsTwoOutputs);
        using var a = OrtValue.CreateTensorValueFromMemory<float>(new float[4], [1, 4]);

        Assert.Throws<ArgumentException>(() => session.Run(["a", "b"], [a], ["sum"]));
        Assert.Throws<ArgumentException>(() => session.Run([0, 1], [a], [0]));
    }

    [Fact]
    public void Run_IndexOutOfRange_ThrowsArgumentOutOfRange()
    {
        using var session = TestModels.Open(TestModels.Identity("float"));
        using var x = OrtValue.CreateTensorValueFromMemory<float>(new float[3], [1, 3]);

        Assert.Throws<ArgumentOutOfRangeException>(() => session.Run([1], [x], [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Run([0], [x], [-1]));
        Assert.Equal([1f, 1, 1], session.RunFloat([1, 1, 1], 1, 3));
    }

    [Fact]
    public void Run_DisposedInput_IsRefusedAsInvalidArgument_AndSessionStillRuns()
    {
        using var session = TestModels.Open(TestModels.Identity("float"));
        var x = OrtValue.CreateTensorValueFromMemory<float>(new float[3], [1, 3]);
        x.Dispose();

        var e = Assert.Throws<OnnxRuntimeException>(() => session.Run(["x"], [x], ["y"]));

        Assert.True(OnnxErrors.IsInvalidArgument(e), e.Message);
        Assert.Equal([1f, 2, 3], session.RunFloat([1, 2, 3], 1, 3));
    }

    [Fact]
    public void Run_AfterDispose_ThrowsObjectDisposed()
    {
        var session = TestModels.Open(TestModels.Identity("float"));
        using var x = OrtValue.CreateTensorValueFromMemory<float>(new float[3], [1, 3]);
        session.Dispose();

        Assert.Throws<ObjectDisposedException>(() => session.Run(["x"], [x], ["y"]));
        session.Dispose(); // A second dispose is harmless.
    }

    private static void AssertSameTensorInfos(IReadOnlyList<TensorInfo> expected, IReadOnlyList<TensorInfo> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Name, actual[i].Name);
            Assert.Equal(expected[i].Kind, actual[i].Kind);
            Assert.Equal(expected[i].ElementType, actual[i].ElementType);
            Assert.Equal(expected[i].Shape, actual[i].Shape);
            Assert.Equal(expected[i].SymbolicDimensions, actual[i].SymbolicDimensions);
        }
    }
}
