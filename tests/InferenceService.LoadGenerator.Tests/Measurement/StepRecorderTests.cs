using System.Diagnostics;
using InferenceService.LoadGenerator.Measurement;

namespace InferenceService.LoadGenerator.Tests.Measurement;

public class StepRecorderTests
{
    private static readonly long s_oneMs = Stopwatch.Frequency / 1000;

    [Fact]
    public void Summarize_MixedAnswers_SeparatesAdmittedRejectedAndFailures()
    {
        var recorder = new StepRecorder();
        for (var i = 1; i <= 10; i++)
        {
            recorder.RecordAnswer(200, 10 * i * s_oneMs, hasRetryAfter: false);
        }
        recorder.RecordAnswer(503, s_oneMs, hasRetryAfter: true);
        recorder.RecordAnswer(503, 2 * s_oneMs, hasRetryAfter: false);
        recorder.RecordAnswer(504, 500 * s_oneMs, hasRetryAfter: false);
        recorder.RecordAnswer(500, 3 * s_oneMs, hasRetryAfter: false);
        recorder.RecordAnswer(400, 3 * s_oneMs, hasRetryAfter: false);
        recorder.RecordTransportError("connection_refused");
        recorder.RecordTransportError("timeout");
        recorder.RecordTransportError("timeout");
        recorder.RecordNotSent();

        var m = recorder.Summarize();

        Assert.Equal(15, m.Answered);
        Assert.Equal(10, m.Succeeded);
        Assert.Equal(100, m.Admitted!.P99Ms, 3);
        Assert.Equal(2, m.ByStatus[503].Count);
        Assert.Equal(2, m.ByStatus[503].MaxMs, 3);
        Assert.Equal(500, m.All!.MaxMs, 3);
        Assert.Equal(1, m.OtherServerErrors);
        Assert.Equal(3, m.TransportErrorCount);
        Assert.Equal(2, m.TransportErrors["timeout"]);
        Assert.Equal(1, m.RejectedWithoutRetryAfter);
        Assert.Equal(1, m.NotSent);
    }

    [Fact]
    public async Task RecordAnswer_FromManyThreads_KeepsEverySample()
    {
        var recorder = new StepRecorder();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                recorder.RecordAnswer(200, i, hasRetryAfter: false);
            }
        })));

        Assert.Equal(80_000, recorder.Summarize().Succeeded);
    }

    [Fact]
    public void Summarize_NothingRecorded_HasNoLatencies()
    {
        var m = new StepRecorder().Summarize();

        Assert.Null(m.All);
        Assert.Null(m.Admitted);
        Assert.Equal(0, m.Answered);
    }
}
