using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Scheduling;

/// <summary>
/// A batch that ONNX Runtime refuses because of one request's data: the requests are run again one by one, so only
/// the request at fault fails, with a client error, and the others get their own answers.
/// </summary>
public sealed class RunFailureTests : SchedulerFixture
{
    // gather_rows.onnx: row `index` of a 4x2 table holding 0..7; any index outside 0..3 is refused.
    private const string BatchOfFour = """{ "max_batch_size": 4, "dynamic_batching": { "max_queue_delay_microseconds": 3600000000 } }""";

    [Fact]
    public async Task Infer_OneRequestOfABatchHasDataTheModelRefuses_OnlyThatRequestFails()
    {
        var model = Model(BatchOfFour, file: "gather_rows.onnx");
        var busy = Gather(model, 1, rows: 4); // a full batch: the instance is busy while the four below queue up
        await Observer.WaitForRunAsync();

        // Four one-row requests fill the batch, so they share one Run (the clock never reaches the delay).
        var requests = new long[] { 2, 0, 9, 3 }.Select(index => Gather(model, index)).ToArray();
        Observer.Dispose();
        (await busy.WaitAsync(Patience)).Dispose();
        var refused = await Assert.ThrowsAsync<InferenceException>(() => requests[2].WaitAsync(Patience));
        var answered = await Task.WhenAll(requests[0], requests[1], requests[3]).WaitAsync(Patience);

        Assert.Equal(InferenceErrorKind.InvalidInput, refused.Kind);
        Assert.Contains("Model 'm' cannot run on these inputs", refused.Message);
        Assert.Equal([[4f, 5], [0f, 1], [6f, 7]], answered.Select(r => r.Values[0].GetTensorData<float>().ToArray()));
        Assert.All(answered, r => Assert.Equal([1L, 1, 2], r.Values[0].Shape));
        Assert.All(answered, r => Assert.Equal(1, r.Timings.BatchRequests)); // each was answered by its own Run
        answered.ToList().ForEach(r => r.Dispose());

        // The shared Run failed, then each request ran alone: three succeeded, the refused one failed again.
        var runs = Observer.Runs.Skip(1).ToList(); // after the busy Run
        Assert.Equal((4, 4, false), (runs[0].BatchSize, runs[0].Requests, runs[0].Succeeded));
        Assert.Equal([true, true, false, true], runs.Skip(1).Select(r => r.Succeeded));
        Assert.All(runs.Skip(1), r => Assert.Equal(1, r.Requests));
    }

    [Fact]
    public async Task Infer_ALoneRequestTheModelRefuses_FailsOnceWithAClientError()
    {
        var model = Model("""{ "max_batch_size": 4 }""", file: "gather_rows.onnx");
        Observer.Dispose();

        var refused = await Assert.ThrowsAsync<InferenceException>(() => Gather(model, -7).WaitAsync(Patience));

        Assert.Equal(InferenceErrorKind.InvalidInput, refused.Kind);
        Assert.Equal(1, Assert.Single(Observer.Runs).Requests);
        Assert.False(Observer.Runs[0].Succeeded);
        using var next = await Gather(model, 1).WaitAsync(Patience); // the instance is still serving
        Assert.Equal([2f, 3], next.Values[0].GetTensorData<float>().ToArray());
    }

    private Task<InferenceResult> Gather(LoadedModel model, long index, int rows = 1)
    {
        var input = Keep(InputTensor.Rent("index", TensorElementType.Int64, [rows, 1]));
        input.GetData<long>().Fill(index);
        return Pipeline.InferAsync(model, [input], null, CancellationToken.None);
    }
}
