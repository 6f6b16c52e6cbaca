using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Scheduling;

/// <summary>Many callers at once on the real clock: every caller gets exactly its own rows back, in order.</summary>
public sealed class RowRoutingTests : SchedulerFixture
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Infer_64ConcurrentCallersWithDistinctInputs_EachGetsItsOwnRows(int instances)
    {
        var context = new SchedulerContext(new SchedulingOptions { InlineRunLimitMicroseconds = 0 }, TimeProvider.System, Observer);
        var model = Model("""{ "max_batch_size": 16, "dynamic_batching": { "max_queue_delay_microseconds": 2000, "preserve_ordering": true } }""", instances, context: context);
        // Every instance busy until the callers have queued up, so they must share Runs (a free instance would not wait).
        var busy = new List<Task<InferenceResult>>();
        for (var i = 0; i < instances; i++)
        {
            busy.Add(await OccupyInstanceAsync(model));
        }
        using var start = new ManualResetEventSlim();

        var callers = Enumerable.Range(0, 64).Select(caller => Task.Run(async () =>
        {
            var rows = 1 + caller % 3;
            var input = Rows(rows, first: caller * 100);
            start.Wait();
            using var result = await Infer(model, input);
            Assert.Equal([rows, 3L], result.Values[0].Shape);
            Assert.Equal(Enumerable.Range(0, rows * 3).Select(i => caller * 100f + i), result.Values[0].GetTensorData<float>().ToArray());
            return result.Timings.BatchRequests;
        })).ToArray();
        start.Set();
        for (var i = 0; i < 500 && model.QueueDepth < 64; i++)
        {
            await Task.Delay(10);
        }
        Observer.Dispose();
        var batchSizes = await Task.WhenAll(callers).WaitAsync(Patience);
        (await Task.WhenAll(busy).WaitAsync(Patience)).ToList().ForEach(r => r.Dispose());

        Assert.Contains(batchSizes, n => n > 1); // they did share Runs
        Assert.Equal(64 + instances, Observer.Runs.Sum(r => r.Requests));
        Assert.All(Observer.Runs, r => Assert.InRange(r.BatchSize, 1, 16));
    }

    [Fact]
    public async Task Infer_StringInputsBatchedTogether_EachCallerGetsItsOwnStrings()
    {
        var model = Model("""{ "max_batch_size": 4, "dynamic_batching": { "max_queue_delay_microseconds": 3600000000 } }""", file: "identity_string.onnx");
        Task<InferenceResult> Strings(params string[] values) =>
            Pipeline.InferAsync(model, [Keep(InputTensor.FromStrings("x", values, [values.Length / 3, 3]))], null, CancellationToken.None);
        var busy = Strings([.. Enumerable.Range(0, 12).Select(i => $"busy{i}")]); // a full batch: the instance is busy
        await Observer.WaitForRunAsync();

        var queued = new[] { Strings("a", "b", "c"), Strings("d", "e", "f", "g", "h", "i"), Strings("j", "k", "l") };
        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        var results = await Task.WhenAll(queued).WaitAsync(Patience);

        Assert.All(results, r => Assert.Equal(3, r.Timings.BatchRequests));
        Assert.Equal(["a", "b", "c"], results[0].Values[0].GetStrings().ToArray());
        Assert.Equal(["d", "e", "f", "g", "h", "i"], results[1].Values[0].GetStrings().ToArray());
        Assert.Equal(["j", "k", "l"], results[2].Values[0].GetStrings().ToArray());
        Assert.Equal(TensorElementType.String, results[2].Values[0].ElementType);
        results.ToList().ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Dispose_ResultsOfOneBatch_TheSharedOutputOutlivesEveryEarlierDisposal()
    {
        var model = Model("""{ "max_batch_size": 2, "dynamic_batching": { "max_queue_delay_microseconds": 3600000000 } }""");
        var busy = await OccupyInstanceAsync(model);
        var pair = new[] { Infer(model, Rows(1, 1)), Infer(model, Rows(1, 2)) };
        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();

        var results = await Task.WhenAll(pair).WaitAsync(Patience);
        Assert.All(results, r => Assert.Equal(2, r.Timings.BatchRequests)); // one Run, one shared output
        results[0].Dispose();
        results[0].Dispose(); // twice: still one reference dropped

        Assert.Equal([2f, 3, 4], results[1].Values[0].GetTensorData<float>().ToArray());
        results[1].Dispose();
    }
}
