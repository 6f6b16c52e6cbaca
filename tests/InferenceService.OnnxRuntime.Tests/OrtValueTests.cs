using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace InferenceService.OnnxRuntime.Tests;

public class OrtValueTests
{
    // ---- Zero-copy over caller memory --------------------------------------------------------------------------

    [Fact]
    public void CreateTensor_OverCallerArray_WritesThroughMutableDataLandInTheArray()
    {
        var array = new float[] { 1, 2, 3, 4, 5, 6 };
        using var value = OrtValue.CreateTensor<float>(array, [2, 3]);

        var data = value.GetTensorMutableData<float>();
        data[1] = 42;
        data[5] = -7;

        Assert.Equal([1f, 42, 3, 4, 5, -7], array);
    }

    [Fact]
    public void CreateTensor_OverCallerArray_ReadsSeeLaterWritesToTheArray()
    {
        var array = new int[] { 1, 2, 3 };
        using var value = OrtValue.CreateTensor<int>(array, [1, 3]);

        array[2] = 99;

        Assert.Equal([1, 2, 99], value.GetTensorData<int>().ToArray());
        Assert.True(Unsafe.AreSame(ref array[0], ref MemoryMarshal.GetReference(value.GetTensorData<int>())));
    }

    [Fact]
    public void CreateTensor_OverCallerArray_RunReadsTheArrayAsItIsAtRunTime()
    {
        var array = new float[] { 1, 2, 3 };
        using var session = TestModels.Open(TestModels.Identity("float"));
        using var x = OrtValue.CreateTensor<float>(array, [1, 3]);

        array[0] = 10; // After the tensor was created, before the run: the run must see it.
        using var outputs = session.RunOwned(["x"], [x], ["y"]);

        Assert.Equal([10f, 2, 3], outputs[0].GetTensorData<float>().ToArray());
    }

    [Fact]
    public void CreateTensor_OverASliceOfAnArray_StartsAtTheSliceOffset()
    {
        var array = new long[] { -1, -2, 10, 20, 30, -3 };
        using var value = OrtValue.CreateTensor(array.AsMemory(2, 3), [3]);

        Assert.Equal([10L, 20, 30], value.GetTensorData<long>().ToArray());
        value.GetTensorMutableData<long>()[0] = 11;
        Assert.Equal([-1L, -2, 11, 20, 30, -3], array);
    }

    [Fact]
    public void CreateTensor_OverRawBytes_ReinterpretsThemAsTheElementType()
    {
        var floats = new float[] { 1.5f, -2, float.NaN, 1e-40f };
        var bytes = MemoryMarshal.AsBytes(floats.AsSpan()).ToArray();
        using var value = OrtValue.CreateTensor(TensorElementType.Float, bytes, [2, 2]);

        Assert.Equal(TensorElementType.Float, value.ElementType);
        Assert.Equal([2L, 2L], value.Shape);
        Assert.Equal(floats, value.GetTensorData<float>().ToArray());
        Assert.Equal(bytes, value.GetTensorBytes().ToArray());
        value.GetTensorMutableData<float>()[0] = 0; // Zero-copy: the byte array changes.
        Assert.Equal(new byte[4], bytes[..4]);
    }

    [Fact]
    public void CreateTensor_OverRawBytes_RunsThroughAModel()
    {
        var bytes = MemoryMarshal.AsBytes(new short[] { short.MinValue, 0, short.MaxValue }.AsSpan()).ToArray();
        using var session = TestModels.Open(TestModels.Identity("int16"));
        using var x = OrtValue.CreateTensor(TensorElementType.Int16, bytes, [1, 3]);

        using var outputs = session.RunOwned(["x"], [x], ["y"]);

        Assert.Equal([short.MinValue, (short)0, short.MaxValue], outputs[0].GetTensorData<short>().ToArray());
    }

    // ---- Tensors ONNX Runtime allocates ------------------------------------------------------------------------

    [Fact]
    public void CreateTensor_AllocatedByOnnxRuntime_HasTheShapeAndIsWritable()
    {
        using var session = TestModels.Open(TestModels.FixedShape);
        using var x = OrtValue.CreateTensor(TensorElementType.Float, [2, 3]);
        Assert.Equal([2L, 3L], x.Shape);
        Assert.Equal(6, x.ElementCount);
        Assert.Equal(TensorElementType.Float, x.ElementType);

        var data = x.GetTensorMutableData<float>();
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = i * 10;
        }
        using var outputs = session.RunOwned(["x"], [x], ["y"]);

        Assert.Equal([1f, 11, 21, 31, 41, 51], outputs[0].GetTensorData<float>().ToArray());
    }

    [Fact]
    public void CreateTensor_Scalar_HasRankZeroAndOneElement()
    {
        using var value = OrtValue.CreateTensor<double>(new[] { 2.5 }, []);

        Assert.Empty(value.Shape);
        Assert.Equal(1, value.ElementCount);
        Assert.Equal(2.5, value.GetTensorData<double>()[0]);
    }

    [Fact]
    public void CreateStringTensor_ReadBack_GivesTheStringsInOrder()
    {
        using var value = OrtValue.CreateStringTensor(["a", "", "ünï", "🎉"], [2, 2]);

        Assert.Equal(TensorElementType.String, value.ElementType);
        Assert.Equal([2L, 2L], value.Shape);
        Assert.Equal(["a", "", "ünï", "🎉"], value.GetStrings());
    }

    // ---- Argument checks -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(0)]
    public void CreateTensor_DataLengthNotMatchingTheShape_ThrowsArgumentException(int length)
    {
        var e = Assert.Throws<ArgumentException>(() => OrtValue.CreateTensor<float>(new float[length], [2, 3]));

        Assert.Equal("shape", e.ParamName);
        Assert.Contains("24 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateTensor_RawBytesNotAMultipleOfTheElementSize_ThrowsArgumentException() =>
        Assert.Throws<ArgumentException>(() => OrtValue.CreateTensor(TensorElementType.Int32, new byte[6], [2]));

    [Fact]
    public void CreateTensor_NegativeDimension_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => OrtValue.CreateTensor<float>(new float[3], [-1, 3]));
        Assert.Contains("-1", e.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => OrtValue.CreateTensor(TensorElementType.Float, [3, -2]));
        Assert.Throws<ArgumentException>(() => OrtValue.CreateStringTensor(["a"], [-1]));
    }

    [Fact]
    public void CreateTensor_DimensionsWhoseProductOverflows_ThrowsOverflowBeforeAllocating()
    {
        Assert.Throws<OverflowException>(() => OrtValue.CreateTensor<float>(new float[3], [long.MaxValue, 2]));
        Assert.Throws<OverflowException>(() => OrtValue.CreateTensor(TensorElementType.Float, [1L << 32, 1L << 32]));
        // The element count fits in a long, its size in bytes does not.
        Assert.Throws<OverflowException>(() => OrtValue.CreateTensor<float>(new float[3], [long.MaxValue / 2]));
        Assert.Throws<OverflowException>(() => OrtValue.CheckedElementCount([1L << 62, 4]));
    }

    [Fact]
    public void CreateTensor_AllocationTooLargeForOnnxRuntime_ThrowsOrtException()
    {
        var e = Assert.Throws<OrtException>(() => OrtValue.CreateTensor(TensorElementType.Float, [1L << 40, 1L << 20]));

        Assert.NotEqual(OrtErrorCode.Ok, e.ErrorCode);
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void CheckedElementCount_Shapes_MultipliesTheDimensions()
    {
        Assert.Equal(1, OrtValue.CheckedElementCount([]));
        Assert.Equal(24, OrtValue.CheckedElementCount([2, 3, 4]));
        Assert.Equal(0, OrtValue.CheckedElementCount([0, 1L << 40]));
        Assert.Equal(long.MaxValue, OrtValue.CheckedElementCount([long.MaxValue, 1]));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(0)]
    public void CreateStringTensor_WrongNumberOfStrings_ThrowsArgumentException(int count)
    {
        var e = Assert.Throws<ArgumentException>(() => OrtValue.CreateStringTensor(new string[count].Select(_ => "s").ToArray(), [2, 2]));

        Assert.Equal("values", e.ParamName);
        Assert.Contains("4 elements", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateStringTensor_StringWithNulCharacter_ThrowsInsteadOfCuttingIt()
    {
        // The C API takes NUL-terminated strings: "a\0b" would silently arrive as "a".
        var e = Assert.Throws<ArgumentException>(() => OrtValue.CreateStringTensor(["ok", "a\0b"], [2]));

        Assert.Equal("values", e.ParamName);
        Assert.Contains("1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateStringTensor_NullString_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => OrtValue.CreateStringTensor(["ok", null!], [2]));

        Assert.Equal("values", e.ParamName);
    }

    [Fact]
    public void CreateTensor_StringTypeOverBytesOrAllocated_ThrowsNotSupported()
    {
        Assert.Throws<NotSupportedException>(() => OrtValue.CreateTensor(TensorElementType.String, [1]));
        Assert.Throws<NotSupportedException>(() => OrtValue.CreateTensor(TensorElementType.String, new byte[8], [1]));
        Assert.Throws<NotSupportedException>(() => OrtValue.CreateTensor(TensorElementType.Complex64, new byte[8], [1]));
    }

    [Fact]
    public void CreateTensor_ElementTypeWithoutOnnxEquivalent_ThrowsNotSupported() =>
        Assert.Throws<NotSupportedException>(() => OrtValue.CreateTensor<char>(new char[2], [2]));

    [Fact]
    public void GetTensorData_OtherElementType_ThrowsInvalidOperation()
    {
        using var value = OrtValue.CreateTensor<float>(new float[2], [2]);

        var e = Assert.Throws<InvalidOperationException>(() => value.GetTensorData<int>().Length);
        Assert.Contains("Float", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => value.GetStrings());
    }

    [Fact]
    public void GetTensorData_OfAStringTensor_ThrowsInvalidOperation_AndBytesThrowNotSupported()
    {
        using var value = OrtValue.CreateStringTensor(["a"], [1]);

        Assert.Throws<InvalidOperationException>(() => value.GetTensorData<byte>().Length);
        Assert.Throws<NotSupportedException>(() => value.GetTensorBytes().Length);
    }

    // ---- Ownership ------------------------------------------------------------------------------------------------

    [Fact]
    public void CreateTensor_RejectedArguments_DoNotLeaveTheArrayPinned()
    {
        var weak = CreateRejectedTensor();

        CollectEverything();

        Assert.False(weak.IsAlive, "The array stayed reachable: the pin taken before the argument check was not released.");
    }

    [Fact]
    public void CreateTensor_DisposedValue_ReleasesTheArrayPin()
    {
        var weak = CreateAndDisposeTensor();

        CollectEverything();

        Assert.False(weak.IsAlive);
    }

    [Fact]
    public void CreateTensor_ValueNeverDisposed_UnpinsTheArrayWhenFinalized()
    {
        var weak = CreateAndAbandonTensor();

        CollectEverything();

        Assert.False(weak.IsAlive, "The array is still pinned although its OrtValue was finalized.");
    }

    [Fact]
    public void GetTensorData_AfterDispose_ThrowsObjectDisposed()
    {
        var value = OrtValue.CreateTensor<float>(new float[] { 1, 2, 3 }, [1, 3]);
        Assert.Equal(3, value.ElementCount); // type and shape are read (and kept) before disposal
        value.Dispose();

        Assert.Throws<ObjectDisposedException>(() => value.GetTensorData<float>().Length);
        Assert.Throws<ObjectDisposedException>(() => value.GetTensorMutableData<float>().Length);
        Assert.Throws<ObjectDisposedException>(() => value.GetTensorBytes().Length);
        Assert.Throws<ObjectDisposedException>(() => value.ElementType);
        Assert.Throws<ObjectDisposedException>(() => value.Shape);
        Assert.Throws<ObjectDisposedException>(() => value.ElementCount);
    }

    [Fact]
    public void GetTensorData_OfADisposedRunOutput_ThrowsObjectDisposed()
    {
        using var session = TestModels.Open(TestModels.Identity("double"));
        using var x = OrtValue.CreateTensor<double>(new[] { 1.0, 2, 3 }, [1, 3]);
        var y = session.Run(["x"], [x], ["y"])[0];
        Assert.Equal(TensorElementType.Double, y.ElementType);
        y.Dispose();

        Assert.Throws<ObjectDisposedException>(() => y.GetTensorData<double>().Length);
    }

    [Fact]
    public void GetStrings_AfterDispose_ThrowsObjectDisposed()
    {
        var value = OrtValue.CreateStringTensor(["a", "b"], [2]);
        Assert.Equal(TensorElementType.String, value.ElementType);
        value.Dispose();

        Assert.Throws<ObjectDisposedException>(() => value.GetStrings());
    }

    [Fact]
    public void Dispose_Twice_IsHarmlessAndLeavesTheValueDisposed()
    {
        var array = new float[] { 5 };
        var value = OrtValue.CreateTensor<float>(array, [1]);

        value.Dispose();
        value.Dispose();

        Assert.Throws<ObjectDisposedException>(() => value.ElementType);
        Assert.Equal([5f], array); // the caller's memory is left as it was
    }

    internal static void CollectEverything()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference CreateRejectedTensor()
    {
        var array = new float[5];
        Assert.Throws<ArgumentException>(() => OrtValue.CreateTensor<float>(array, [2, 3]));
        return new WeakReference(array);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference CreateAndAbandonTensor()
    {
        var array = new float[6];
        _ = OrtValue.CreateTensor<float>(array, [2, 3]); // never disposed: left to the finalizer
        return new WeakReference(array);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference CreateAndDisposeTensor()
    {
        var array = new float[6];
        OrtValue.CreateTensor<float>(array, [2, 3]).Dispose();
        return new WeakReference(array);
    }
}
