using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using InferenceService.Engine.Tensors;

namespace InferenceService.Benchmarks;

/// <summary>
/// Reading 12,288 JSON numbers as FP32, the runtime's parser (baseline) against the service's
/// (<c>FastFloatText.ParseSingle</c>: its own fast path for up to 15 digits, csFastFloat past it), for a float's
/// shortest text, for the 17 digits Python clients write for a float32 widened to double, and for four decimals (the
/// jobs benchmark's CSV cells, such as 0.1234, which the float fast path reads in one float operation).
/// </summary>
public class NumberParsingBenchmarks
{
    private byte[][] _numbers = [];

    [Params("float", "float as double", "4 decimals")]
    public string Numbers { get; set; } = "float";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _numbers = Enumerable.Range(0, 4096 * 3).Select(_ => random.NextSingle() * 4 - 2)
            .Select(value => Numbers switch
            {
                "float" => value.ToString(CultureInfo.InvariantCulture),
                "4 decimals" => value.ToString("F4", CultureInfo.InvariantCulture),
                _ => ((double)value).ToString("R", CultureInfo.InvariantCulture),
            })
            .Select(Encoding.ASCII.GetBytes).ToArray();
    }

    [Benchmark(Baseline = true)]
    public float RuntimeParser()
    {
        var sum = 0f;
        foreach (var number in _numbers)
        {
            sum += float.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        return sum;
    }

    [Benchmark]
    public float ServiceParser()
    {
        var sum = 0f;
        foreach (var number in _numbers)
        {
            FastFloatText.ParseSingle(number, out var value);
            sum += value;
        }
        return sum;
    }
}
