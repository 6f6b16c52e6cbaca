using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Engine.Tests.TestSupport;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tests.Scheduling;

/// <summary>
/// Real models behind real schedulers, on a clock the test moves and with Runs the test can hold: what the
/// scheduler tests share. Disposes every model and input it made.
/// </summary>
public abstract class SchedulerFixture : IDisposable
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly List<LoadedModel> _models = [];
    private readonly List<InputTensor> _inputs = [];

    protected ManualTimeProvider Clock { get; } = new();

    protected GatedBatchObserver Observer { get; } = new();

    protected InferencePipeline Pipeline { get; } = new();

    public void Dispose()
    {
        Observer.Dispose();
        _models.ForEach(m => m.Dispose());
        _inputs.ForEach(i => i.Dispose());
        GC.SuppressFinalize(this);
    }

    /// <summary>identity_float.onnx (x [batch, 3] → y) under <paramref name="configJson"/>.</summary>
    protected LoadedModel Model(string configJson, int instances = 1, SchedulingOptions? options = null, string file = "identity_float.onnx", SchedulerContext? context = null)
    {
        var sessions = Enumerable.Range(0, instances).Select(_ => OnnxSession.Create(TempRepository.TestModel(file))).ToArray();
        // Runs stay on the instance threads here (the tests hold them there); RunsOnCallerThreadTests covers the rest.
        context ??= new SchedulerContext(options ?? new SchedulingOptions { InlineRunLimitMicroseconds = 0 }, Clock, Observer);
        var model = LoadedModel.WithScheduler("m", 1, Configs.Parse(configJson), new SessionPool(sessions), new Dictionary<string, IReadOnlyList<string>>(), context);
        _models.Add(model);
        return model;
    }

    /// <summary>Disposes <paramref name="tensor"/> with the fixture.</summary>
    protected InputTensor Keep(InputTensor tensor)
    {
        _inputs.Add(tensor);
        return tensor;
    }

    /// <summary><paramref name="rows"/> rows of 3 floats counting up from <paramref name="first"/>.</summary>
    protected InputTensor Rows(int rows, float first = 0, string name = "x")
    {
        var tensor = Keep(InputTensor.Rent(name, TensorElementType.Float, [rows, 3]));
        var data = tensor.GetData<float>();
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = first + i;
        }
        return tensor;
    }

    protected Task<InferenceResult> Infer(LoadedModel model, InputTensor input, CancellationToken cancellationToken = default, TimeSpan? timeout = null, IReadOnlyList<string>? outputs = null) =>
        Pipeline.InferAsync(model, [input], outputs, cancellationToken, timeout);

    /// <summary>Gives the instance threads every chance to act, so "still pending" means pending.</summary>
    protected static async Task SettleAsync()
    {
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Starts a request and waits until its Run is made and held, so the instance is busy. It fills a whole batch, so
    /// it goes at once, whatever the delay.
    /// </summary>
    protected async Task<Task<InferenceResult>> OccupyInstanceAsync(LoadedModel model)
    {
        var running = Infer(model, Rows(Math.Max(1, model.Config.MaxBatchSize), 1000));
        await Observer.WaitForRunAsync();
        return running;
    }
}
