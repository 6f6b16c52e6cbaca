using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Benchmarks;

/// <summary>
/// The JSON tensor path against System.Text.Json's serializer on the same data: decoding a 1,000 x 64 FP32 input
/// (simple-API nested arrays) and encoding a 1,000 x 10 FP32 output.
/// <para>
/// Decode_JsonTensorDecoder starts from a JsonDocument parsed once in setup, as the server parses a request body once
/// and decodes each input from it; Decode_ParseAndDecode adds that parse, to compare like with like against the
/// serializer, which parses as it goes. Both start from UTF-8 bytes, as a request body arrives.
/// </para>
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TensorJsonBenchmarks
{
    private const int InputRows = 1000;
    private const int InputColumns = 64;
    private const int OutputRows = 1000;
    private const int OutputColumns = 10;

    private byte[] _inputUtf8 = [];
    private JsonDocument _input = null!;
    private float[][] _outputRows = [];
    private float[] _outputData = [];
    private OrtValue _output = null!;
    private OutputTensor _outputView = null!;
    private ArrayBufferWriter<byte> _buffer = null!;
    private Utf8JsonWriter _writer = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var text = new StringBuilder();
        text.Append('[');
        for (var r = 0; r < InputRows; r++)
        {
            text.Append(r == 0 ? "[" : ",[");
            for (var c = 0; c < InputColumns; c++)
            {
                text.Append(c == 0 ? "" : ",").Append(((random.NextSingle() * 2) - 1).ToString(CultureInfo.InvariantCulture));
            }
            text.Append(']');
        }
        text.Append(']');
        _inputUtf8 = Encoding.UTF8.GetBytes(text.ToString());
        _input = JsonDocument.Parse(_inputUtf8);

        _outputData = new float[OutputRows * OutputColumns];
        for (var i = 0; i < _outputData.Length; i++)
        {
            _outputData[i] = random.NextSingle();
        }
        _outputRows = new float[OutputRows][];
        for (var r = 0; r < OutputRows; r++)
        {
            _outputRows[r] = _outputData.AsSpan(r * OutputColumns, OutputColumns).ToArray();
        }
        _output = OrtValue.CreateTensorValueFromMemory(_outputData, [OutputRows, OutputColumns]);
        _outputView = OutputTensor.Whole(_output);
        _buffer = new ArrayBufferWriter<byte>(1 << 20);
        _writer = new Utf8JsonWriter(_buffer);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _writer.Dispose();
        _output.Dispose();
        _input.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Decode 1000x64 FP32")]
    public float[][] Decode_JsonSerializer() => JsonSerializer.Deserialize<float[][]>(_inputUtf8)!;

    [Benchmark, BenchmarkCategory("Decode 1000x64 FP32")]
    public long Decode_JsonTensorDecoder()
    {
        using var tensor = JsonTensorDecoder.DecodeNested("x", _input.RootElement, TensorElementType.Float);
        return tensor.ElementCount;
    }

    [Benchmark, BenchmarkCategory("Decode 1000x64 FP32")]
    public long Decode_ParseAndDecode()
    {
        using var document = JsonDocument.Parse(_inputUtf8);
        using var tensor = JsonTensorDecoder.DecodeNested("x", document.RootElement, TensorElementType.Float);
        return tensor.ElementCount;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Encode 1000x10 FP32")]
    public int Encode_JsonSerializer()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset();
        JsonSerializer.Serialize(_writer, _outputRows);
        _writer.Flush();
        return _buffer.WrittenCount;
    }

    [Benchmark, BenchmarkCategory("Encode 1000x10 FP32")]
    public int Encode_JsonTensorEncoder()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset();
        JsonTensorEncoder.WriteNested(_writer, _outputView);
        _writer.Flush();
        return _buffer.WrittenCount;
    }
}
