using System.Net;
using System.Text;
using InferenceService.LoadGenerator.Load;
using InferenceService.LoadGenerator.Outputs;
using InferenceService.LoadGenerator.Tests.TestSupport;

namespace InferenceService.LoadGenerator.Tests.Outputs;

public class OutputsRunnerTests
{
    private static HttpResponseMessage Answer(string model, params double[] values) => new(HttpStatusCode.OK)
    {
        Content = new StringContent($$"""{"model_name":"{{model}}","outputs":[{"name":"y","datatype":"FP32","shape":[1,{{values.Length}}],"data":[{{string.Join(",", values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)))}}]}]}""", Encoding.UTF8, "application/json"),
    };

    private static OutputsRunner Runner(FakeServer server, params string[] models) =>
        new(new Uri("http://127.0.0.1:8080/"), models, payloadFile: null, batchSize: 2, seed: 7, TimeSpan.FromSeconds(10), server);

    [Fact]
    public async Task CompareAsync_TwoModels_SendsTheSameGeneratedBodyToEachAndComparesWithTheFirst()
    {
        using var server = new FakeServer
        {
            InferAt = path => path.Contains("/cnn_cpu/", StringComparison.Ordinal) ? Answer("cnn_cpu", 1, 2, 3) : Answer("cnn_cuda", 1, 2.5, 3),
        };

        var verdict = Assert.Single(await Runner(server, "cnn_cpu", "cnn_cuda").CompareAsync(maxAbsDiff: 0.1, CancellationToken.None));

        Assert.Equal(2, server.InferCount);
        Assert.Equal(server.InferBodies[0], server.InferBodies[1]);
        Assert.Contains("\"shape\":[2,4]", server.InferBodies[0], StringComparison.Ordinal);
        Assert.Equal("cnn_cuda vs cnn_cpu", verdict.Step);
        Assert.StartsWith("0.5 ", verdict.Measured, StringComparison.Ordinal);
        Assert.False(verdict.Passed);
    }

    [Fact]
    public async Task CompareAsync_AModelAnswersAnError_ThrowsASetupErrorNamingTheModelAndTheAnswer()
    {
        using var server = new FakeServer
        {
            InferAt = path => path.Contains("/b/", StringComparison.Ordinal)
                ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("""{"error":"model b is not ready"}""") }
                : Answer("a", 1),
        };

        var e = await Assert.ThrowsAsync<LoadSetupException>(() => Runner(server, "a", "b").CompareAsync(null, CancellationToken.None));

        Assert.Contains("'b' answered 503", e.Message, StringComparison.Ordinal);
        Assert.Contains("model b is not ready", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompareAsync_ThreeModels_ComparesEachWithTheFirst()
    {
        using var server = new FakeServer { InferAt = path => Answer("m", path.Contains("/c/", StringComparison.Ordinal) ? 2 : 1) };

        var verdicts = await Runner(server, "a", "b", "c").CompareAsync(0.5, CancellationToken.None);

        Assert.Equal(["b vs a", "c vs a"], verdicts.Select(v => v.Step));
        Assert.Equal([true, false], verdicts.Select(v => v.Passed));
    }
}
