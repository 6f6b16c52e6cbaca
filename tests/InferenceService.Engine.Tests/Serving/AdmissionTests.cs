using InferenceService.Engine.Repository;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tests.Scheduling;

namespace InferenceService.Engine.Tests.Serving;

/// <summary>The door's checks: places in the queue held from before the body is read, and the server-wide refusals.</summary>
public sealed class AdmissionTests : SchedulerFixture
{
    private const string QueueOfTwo = """{ "max_batch_size": 4, "dynamic_batching": { "default_queue_policy": { "max_queue_size": 2 } } }""";

    [Fact]
    public void TryAdmit_PlacesHeld_CountAgainstTheQueueBound()
    {
        var model = Model(QueueOfTwo);

        Assert.Equal(AdmissionRefusal.None, Admission.TryAdmit(model, out var first));
        Assert.Equal(AdmissionRefusal.None, Admission.TryAdmit(model, out var second));
        Assert.Equal(AdmissionRefusal.QueueFull, Admission.TryAdmit(model, out var third));

        Assert.True(first.Holds);
        Assert.False(third.Holds);
        first.Dispose();
        first.Dispose(); // twice is harmless
        Assert.Equal(AdmissionRefusal.None, Admission.TryAdmit(model, out var fourth));
        Assert.Equal(AdmissionRefusal.QueueFull, Admission.TryAdmit(model, out _));
        second.Dispose();
        fourth.Dispose();
    }

    [Fact]
    public async Task TryAdmit_QueuedRequests_CountAgainstTheBoundWithThePlacesHeld()
    {
        var model = Model(QueueOfTwo);
        var busy = await OccupyInstanceAsync(model);
        var queued = Infer(model, Rows(1));

        Assert.Equal(1, model.QueueDepth);
        Assert.Equal(AdmissionRefusal.None, Admission.TryAdmit(model, out var held));
        Assert.Equal(AdmissionRefusal.QueueFull, Admission.TryAdmit(model, out _));
        Assert.Equal("Model 'm' version 1 has 2 requests queued, its limit; retry later.",
            Admission.Error(AdmissionRefusal.QueueFull, model.Scheduler.Context, model).Message);

        held.Dispose();
        Observer.Release(2);
        (await busy).Dispose();
        (await queued).Dispose();
    }

    [Fact]
    public void CheckServer_ShuttingDownOrAtTheLimit_Refuses()
    {
        var context = new SchedulerContext(new SchedulingOptions { MaxInFlightRequests = 1, InlineRunLimitMicroseconds = 0 }, Clock);
        Assert.Equal(AdmissionRefusal.None, Admission.CheckServer(context));

        Assert.True(context.Admission.TryAdmit());
        Assert.Equal(AdmissionRefusal.ServerFull, Admission.CheckServer(context));
        Assert.Equal("The server has 1 requests in flight, its limit; retry later.", Admission.Error(AdmissionRefusal.ServerFull, context, null).Message);
        context.Admission.Release();

        context.BeginShutdown();
        Assert.Equal(AdmissionRefusal.ShuttingDown, Admission.CheckServer(context));
        var model = Model(QueueOfTwo, context: context);
        Assert.Equal(AdmissionRefusal.ShuttingDown, Admission.TryAdmit(model, out var ticket));
        Assert.False(ticket.Holds);
    }
}
