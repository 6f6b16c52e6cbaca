using System.Buffers;
using System.Text;
using System.Text.Json;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Tensors;

/// <summary>
/// The hot path allocates per tensor, never per element: decoding 64,000 numbers or writing 10,000 must cost the
/// same few hundred bytes as decoding a handful (the element buffer comes from the pool).
/// </summary>
public class AllocationTests
{
    private static string Matrix(int rows, int columns)
    {
        var text = new StringBuilder("[");
        for (var r = 0; r < rows; r++)
        {
            text.Append(r == 0 ? "[" : ",[");
            for (var c = 0; c < columns; c++)
            {
                text.Append(c == 0 ? "" : ",").Append((r * columns) + c).Append(".25");
            }
            text.Append(']');
        }
        return text.Append(']').ToString();
    }

    /// <summary>
    /// The fewest bytes one call allocated over a few calls, after one to warm up (the JIT, the pool's first rent). The
    /// runtime may allocate on the test's thread now and then for its own reasons (a pool refilling a bucket it trimmed
    /// at a collection, a method recompiled by tiering); an allocation per element shows in every call.
    /// </summary>
    private static long AllocatedBy(Action action)
    {
        action();
        var fewest = long.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            action();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }

    [Fact]
    public void DecodeNested_LargeMatrix_AllocatesNothingPerElement()
    {
        using var document = JsonDocument.Parse(Matrix(1000, 64));
        var root = document.RootElement;
        var allocated = AllocatedBy(() =>
        {
            using var tensor = JsonTensorDecoder.DecodeNested("x", root, TensorElementType.Float);
            Assert.Equal(1000.25f, tensor.GetData<float>()[1000]);
        });
        Assert.InRange(allocated, 0, 1024);
    }

    [Fact]
    public void DecodeWithShape_LargeFlatData_AllocatesNothingPerElement()
    {
        using var document = JsonDocument.Parse("[" + string.Join(",", Enumerable.Range(0, 64_000)) + "]");
        var root = document.RootElement;
        var allocated = AllocatedBy(() =>
        {
            using var tensor = JsonTensorDecoder.DecodeWithShape("x", root, TensorElementType.Int64, [1000, 64]);
            Assert.Equal(63_999L, tensor.GetData<long>()[^1]);
        });
        Assert.InRange(allocated, 0, 1024);
    }

    [Fact]
    public void WriteNested_LargeMatrix_AllocatesNothingPerElement()
    {
        var data = Enumerable.Range(0, 10_000).Select(i => i * 0.5f).ToArray();
        using var ortValue = OrtValue.CreateTensor<float>(data, [1000, 10]);
        var value = OutputTensor.Whole(ortValue);
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        using var writer = new Utf8JsonWriter(buffer);
        var allocated = AllocatedBy(() =>
        {
            buffer.ResetWrittenCount();
            writer.Reset();
            JsonTensorEncoder.WriteNested(writer, value);
            writer.Flush();
        });
        Assert.InRange(allocated, 0, 1024);
        Assert.StartsWith("[[0,0.5,1,1.5,", Encoding.UTF8.GetString(buffer.WrittenSpan), StringComparison.Ordinal);
    }
}
