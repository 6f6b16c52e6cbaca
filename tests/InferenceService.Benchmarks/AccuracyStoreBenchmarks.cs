using BenchmarkDotNet.Attributes;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Accuracy.Redis;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Benchmarks;

/// <summary>
/// What keeping one answered prediction for feedback costs the process, per prediction: kept in memory (the baseline:
/// <see cref="MemoryAccuracyStore.Record"/>), against the shared store's writer turning a batch of them into the
/// arguments of its one script run (the Redis key and encoded value of each, and the batch's bound). The predictions
/// are the tiny MLP's: ten numbers under a new id each, as in the shared-state load benchmark.
/// </summary>
[MemoryDiagnoser]
public class AccuracyStoreWriteBenchmarks
{
    /// <summary>Predictions per batch: what the writer gathers in a few milliseconds at a few thousand answers a second.</summary>
    private const int Batch = 64;

    private readonly AccuracyOptions _options = new();
    private MemoryAccuracyStore _memory = null!;
    private Prediction[] _predictions = null!;
    private IReadOnlyList<RollingWindow> _windows = null!;
    private RedisKeys _keys = null!;
    private DateTimeOffset _now;

    [GlobalSetup]
    public void Setup()
    {
        _windows = RollingWindow.From(_options);
        var output = new OutputTracker("mlp_unbatched", 1,
            new TensorInfo("output", OnnxValueType.ONNX_TYPE_TENSOR, TensorElementType.Float, [-1, 10], ["", ""]), null, _windows);
        _now = DateTimeOffset.UtcNow;
        _predictions = Enumerable.Range(0, Batch)
            .Select(i => new Prediction(new PredictionKey("mlp_unbatched", 1, Guid.NewGuid().ToString("N")), _now,
                [new OutputPrediction(output, 1, 10, null, Enumerable.Range(0, 10).Select(v => (v * 0.37) - i).ToArray())]))
            .ToArray();
        _memory = new MemoryAccuracyStore(_options, TimeProvider.System);
        _keys = new RedisKeys(_options.Redis.KeyPrefix);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public void Memory()
    {
        foreach (var prediction in _predictions)
        {
            _memory.Record([], null, prediction, _now);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public object RedisBatch()
    {
        var batch = new ApplyBatch(_keys, _options, _windows);
        foreach (var prediction in _predictions)
        {
            batch.Keep(prediction);
        }
        return batch.Build();
    }
}
