using System.Globalization;
using BenchmarkDotNet.Attributes;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Benchmarks;

/// <summary>
/// The in-process prediction store when it is full (the default 100,000 predictions, each the benchmark MLP's answer:
/// one numeric output of 10 numbers, under a 32-character id): what one more answer costs to keep (it pushes the oldest
/// out) and what finding one for its feedback costs. The predictions are made before the measurement, so only the
/// store's own work and allocations are counted.
/// </summary>
[MemoryDiagnoser]
public class PredictionStoreBenchmarks
{
    private const int Capacity = 100_000;
    private Prediction[] _made = null!;
    private PredictionStore _store = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var output = PredictionStoreFootprint.MlpOutput();
        _made = new Prediction[2 * Capacity];
        for (var i = 0; i < _made.Length; i++)
        {
            _made[i] = PredictionStoreFootprint.Answer(output, PredictionStoreFootprint.Id(i), DateTimeOffset.UtcNow);
        }
        _store = new PredictionStore(Capacity, TimeSpan.FromDays(1), TimeProvider.System);
        for (_next = 0; _next < Capacity; _next++)
        {
            _store.Add(_made[_next]);
        }
    }

    [Benchmark]
    public void Add()
    {
        _store.Add(_made[_next]);
        _next = (_next + 1) % _made.Length;
    }

    /// <summary>A kept prediction (the newest), made anew for its feedback.</summary>
    [Benchmark]
    public Prediction? FindKept() => _store.Find(_made[(_next + _made.Length - 1) % _made.Length].Key);

    /// <summary>An id the store does not hold (the next one to come).</summary>
    [Benchmark]
    public Prediction? FindUnknown() => _store.Find(_made[_next].Key);
}

/// <summary>
/// <c>prediction-store-footprint [count]</c>: the managed memory a full prediction store holds per kept prediction.
/// Each answer is made as a request makes it (a new id, a new copy of the outputs), handed to the store and dropped,
/// so whatever the store keeps of it is counted; the heap is measured after full collections, before and after.
/// </summary>
internal static class PredictionStoreFootprint
{
    public const string Command = "prediction-store-footprint";

    public static int Run(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        var output = MlpOutput();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var store = new PredictionStore(count, TimeSpan.FromDays(1), TimeProvider.System);
        for (var i = 0; i < count; i++)
        {
            store.Add(Answer(output, Id(i), DateTimeOffset.UtcNow));
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(store);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} predictions kept (one numeric output of 10 numbers, 32-character ids): {(after - before) / (double)count:F1} bytes of managed heap each; {allocated / (double)count:F1} bytes allocated per answer made and added"));
        return 0;
    }

    /// <summary>The benchmark MLP's output: 10 floats a row, no labels, so scored as numbers.</summary>
    public static OutputTracker MlpOutput() => new("mlp", 1,
        new TensorInfo("output", OnnxValueType.ONNX_TYPE_TENSOR, TensorElementType.Float, [-1, 10], ["batch", ""]),
        null, RollingWindow.From(new AccuracyOptions()));

    public static string Id(int i) => i.ToString("x32", CultureInfo.InvariantCulture);

    /// <summary>What a request hands the store for one answer of <paramref name="output"/>, as the tracker builds it.</summary>
    public static Prediction Answer(OutputTracker output, string id, DateTimeOffset madeAt)
    {
        var values = new double[10];
        for (var v = 0; v < values.Length; v++)
        {
            values[v] = v * 0.1;
        }
        var outputs = new List<OutputPrediction>(1) { new(output, 1, values.Length, null, values) };
        return new Prediction(new PredictionKey(output.Model, output.Version, id), madeAt, outputs);
    }
}
