using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using InferenceService.Engine.Jobs;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Benchmarks;

/// <summary>
/// The two per-value costs of a batch job's rows, each against the way it was done before, in one run:
/// <list type="bullet">
/// <item>reading 1,024 rows of 64 CSV cells (<c>0.1234</c>, as the jobs benchmark writes them) into FP32: the cell
/// checked (ASCII, trimmed, the JSON grammar) and then parsed, against <c>TypedCellParser.TryWriteCell</c>'s one pass;</item>
/// <item>writing 1,024 rows of 10 FP32 model outputs as JSON arrays: <see cref="Utf8JsonWriter"/> element by element
/// (the runtime's formatter), against the encoder's row at once (<c>ShortestSingleText</c>).</item>
/// </list>
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[MemoryDiagnoser]
public class JobRowBenchmarks
{
    private const int Rows = 1024;
    private const int Features = 64;
    private const int Outputs = 10;

    private byte[][] _cells = [];
    private readonly byte[] _tensor = new byte[Features * sizeof(float)];
    private float[] _outputs = [];
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);
    private Utf8JsonWriter _writer = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _cells = [.. Enumerable.Range(0, Rows * Features).Select(_ => Encoding.ASCII.GetBytes(random.NextDouble().ToString("F4", CultureInfo.InvariantCulture)))];
        _outputs = [.. Enumerable.Range(0, Rows * Outputs).Select(_ => (random.NextSingle() * 4) - 2)];
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
    }

    [Benchmark(Baseline = true, Description = "cells: checked, then parsed")]
    [BenchmarkCategory("CSV cells to FP32")]
    public int CellsCheckedThenParsed()
    {
        var written = 0;
        for (var i = 0; i < _cells.Length; i++)
        {
            if (TypedCellParser.TryWriteCheckedCell(_cells[i], TensorElementType.Float, _tensor, i % Features))
            {
                written++;
            }
        }
        return written;
    }

    [Benchmark(Description = "cells: one pass")]
    [BenchmarkCategory("CSV cells to FP32")]
    public int CellsInOnePass()
    {
        var written = 0;
        for (var i = 0; i < _cells.Length; i++)
        {
            if (TypedCellParser.TryWriteCell(_cells[i], TensorElementType.Float, _tensor, i % Features))
            {
                written++;
            }
        }
        return written;
    }

    [Benchmark(Baseline = true, Description = "outputs: element by element")]
    [BenchmarkCategory("FP32 outputs to JSON")]
    public long OutputsElementByElement()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        for (var row = 0; row < Rows; row++)
        {
            _writer.WriteStartArray();
            foreach (var value in _outputs.AsSpan(row * Outputs, Outputs))
            {
                _writer.WriteNumberValue(value);
            }
            _writer.WriteEndArray();
        }
        _writer.Flush();
        return _writer.BytesCommitted;
    }

    [Benchmark(Description = "outputs: a row at once")]
    [BenchmarkCategory("FP32 outputs to JSON")]
    public long OutputsRowAtOnce()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        for (var row = 0; row < Rows; row++)
        {
            SingleWriter.TryWriteArray(_writer, _outputs.AsSpan(row * Outputs, Outputs));
        }
        _writer.Flush();
        return _writer.BytesCommitted;
    }
}
