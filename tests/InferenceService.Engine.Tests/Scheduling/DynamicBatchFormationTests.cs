using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Scheduling;

/// <summary>How batches form: by size, by delay, by preferred size, only among requests that can share a Run.</summary>
public sealed class DynamicBatchFormationTests : SchedulerFixture
{
    [Fact]
    public async Task Enqueue_FewerRowsThanMaxQueuedWhileBusy_GoAsOneBatchWhenTheInstanceIsFreeWithoutWaitingForTheDelay()
    {
        var model = Model("""{ "max_batch_size": 8, "dynamic_batching": { "max_queue_delay_microseconds": 100000 } }""");
        var busy = await OccupyInstanceAsync(model);
        var requests = new[] { Infer(model, Rows(1, 0)), Infer(model, Rows(2, 10)), Infer(model, Rows(1, 20)) };
        Clock.Advance(TimeSpan.FromMilliseconds(10));
        await SettleAsync();
        Assert.All(requests, r => Assert.False(r.IsCompleted));
        Assert.Equal(3, model.QueueDepth);

        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        var results = await Task.WhenAll(requests).WaitAsync(Patience);

        Assert.Equal((4, 3), (Observer.Runs[1].BatchSize, Observer.Runs[1].Requests));
        Assert.All(results, r => Assert.Equal((4, 3), (r.Timings.BatchSize, r.Timings.BatchRequests)));
        Assert.Equal(TimeSpan.FromMilliseconds(10), results[0].Timings.Queue); // the busy Run's time, not the delay
        Assert.Equal([10f, 11, 12, 13, 14, 15], results[1].Values[0].GetTensorData<float>().ToArray());
        results.ToList().ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Enqueue_RowsReachMax_SendsAtOnceWithoutWaitingForTheDelay()
    {
        var model = Model("""{ "max_batch_size": 4, "dynamic_batching": { "max_queue_delay_microseconds": 3600000000 } }""");
        var busy = await OccupyInstanceAsync(model);
        var requests = new[] { Infer(model, Rows(1)), Infer(model, Rows(2)), Infer(model, Rows(1)), Infer(model, Rows(1)) };
        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();

        var results = await Task.WhenAll(requests).WaitAsync(Patience);

        Assert.Equal([(4, 1), (4, 3), (1, 1)], Observer.Runs.Select(r => (r.BatchSize, r.Requests)));
        Assert.All(results, r => Assert.Equal(TimeSpan.Zero, r.Timings.Queue));
        results.ToList().ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Enqueue_NextRequestWouldOverflow_SendsTheBatchWithoutIt()
    {
        var model = Model("""{ "max_batch_size": 4, "dynamic_batching": { "max_queue_delay_microseconds": 3600000000 } }""");
        var busy = await OccupyInstanceAsync(model);
        var first = Infer(model, Rows(3));
        var second = Infer(model, Rows(2));
        await SettleAsync();

        Observer.Dispose(); // lets the held Run and every later one go
        using var held = await busy.WaitAsync(Patience);
        using var firstResult = await first.WaitAsync(Patience);

        Assert.Equal((3, 1), (firstResult.Timings.BatchSize, firstResult.Timings.BatchRequests));
        // 2 rows of 4 on a free instance, nothing else coming: it goes next, without waiting for the hour's delay.
        using var secondResult = await second.WaitAsync(Patience);
        Assert.Equal((2, 1), (secondResult.Timings.BatchSize, secondResult.Timings.BatchRequests));
        Assert.Equal(TimeSpan.Zero, secondResult.Timings.Queue);
    }

    [Fact]
    public async Task Enqueue_PreferredSizeFormed_SendsThatManyAtOnceThenTheRestWithoutWaitingForTheDelay()
    {
        var model = Model("""{ "max_batch_size": 8, "dynamic_batching": { "preferred_batch_size": [2, 4], "max_queue_delay_microseconds": 3600000000 } }""");
        var busy = await OccupyInstanceAsync(model);
        var requests = Enumerable.Range(0, 5).Select(i => Infer(model, Rows(1, i * 10))).ToArray();
        await SettleAsync();

        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        var batched = await Task.WhenAll(requests.Take(4)).WaitAsync(Patience);

        Assert.All(batched, r => Assert.Equal(4, r.Timings.BatchSize)); // the largest preferred size formed, not all 5
        using var last = await requests[4].WaitAsync(Patience); // then the rest, as nothing else is coming
        Assert.Equal(1, last.Timings.BatchSize);
        Assert.Equal(TimeSpan.Zero, last.Timings.Queue);
        Assert.Equal([(8, 1), (4, 4), (1, 1)], Observer.Runs.Select(r => (r.BatchSize, r.Requests)));
        batched.ToList().ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Enqueue_DifferentOutputsRequested_RunSeparately()
    {
        var model = Model("""{ "max_batch_size": 8, "dynamic_batching": { "max_queue_delay_microseconds": 1000 } }""", file: "two_inputs_two_outputs.onnx");
        Observer.Dispose();

        var sum = Pipeline.InferAsync(model, [Pair("a", 1), Pair("b", 2)], ["sum"], CancellationToken.None);
        var product = Pipeline.InferAsync(model, [Pair("a", 3), Pair("b", 4)], ["product"], CancellationToken.None);

        // The request after it cannot join, so waiting cannot grow its batch: it goes without the delay.
        using var sumResult = await sum.WaitAsync(Patience);
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        using var productResult = await product.WaitAsync(Patience);

        Assert.Equal(1, sumResult.Timings.BatchRequests);
        Assert.Equal(1, productResult.Timings.BatchRequests);
        Assert.Equal([3f, 3, 3, 3], sumResult.Values[0].GetTensorData<float>().ToArray());
        Assert.Equal([12f, 12, 12, 12], productResult.Values[0].GetTensorData<float>().ToArray());
    }

    [Fact]
    public async Task Enqueue_NoDynamicBatching_RunsEachRequestAlone()
    {
        var model = Model("""{ "max_batch_size": 8 }""");
        Observer.Dispose();

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Infer(model, Rows(2, i)))).WaitAsync(Patience);

        Assert.All(Observer.Runs, run => Assert.Equal((2, 1), (run.BatchSize, run.Requests)));
        Assert.Equal(6, Observer.Runs.Count);
        results.ToList().ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task InferAsync_BatchLargerThanMax_IsRefusedBeforeQueueing()
    {
        var model = Model("""{ "max_batch_size": 4, "dynamic_batching": {} }""");

        var error = await Assert.ThrowsAsync<InferenceException>(() => Infer(model, Rows(5)));

        Assert.Equal(InferenceErrorKind.InvalidInput, error.Kind);
        Assert.Equal("The request holds a batch of 5 rows, more than model 'm' takes at once (max_batch_size 4); split it.", error.Message);
        Assert.Equal(0, model.InFlight);
    }

    [Fact]
    public async Task InferAsync_InputsDisagreeOnTheBatchSize_IsRefused()
    {
        var model = Model("""{ "max_batch_size": 4, "dynamic_batching": {} }""", file: "two_inputs_two_outputs.onnx");

        var error = await Assert.ThrowsAsync<InferenceException>(() =>
            Pipeline.InferAsync(model, [Pair("a", 1, rows: 2), Pair("b", 1, rows: 3)], null, CancellationToken.None));

        Assert.Equal("The inputs disagree on the batch size (their first dimension): 'a' has 2, 'b' has 3.", error.Message);
    }

    private InputTensor Pair(string name, float value, int rows = 1)
    {
        var tensor = Keep(InputTensor.Rent(name, TensorElementType.Float, [rows, 4]));
        tensor.GetData<float>().Fill(value);
        return tensor;
    }
}
