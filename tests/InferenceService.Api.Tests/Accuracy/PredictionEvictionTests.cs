using System.Net;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Accuracy;

/// <summary>The service keeps two predictions for ten minutes (Accuracy settings); older ones answer 404.</summary>
public class PredictionEvictionTests(AccuracyEvictionFixture service) : IClassFixture<AccuracyEvictionFixture>
{
    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task Feedback_PredictionPushedOutByNewerOnes_IsNotFound()
    {
        await _client.PredictAsync("by_count", "first", [[1, 1, 1]]);
        await _client.PredictAsync("by_count", "second", [[1, 1, 1]]);
        await _client.PredictAsync("by_count", "third", [[1, 1, 1]]);

        using var first = await _client.FeedbackAsync("by_count", """{"id": "first", "targets": {"y": [[1, 1, 1]]}}""");
        await ResponseAssert.ProtocolErrorAsync(first, HttpStatusCode.NotFound, "'first'", "expired or was pushed out");
        await _client.FeedbackOkAsync("by_count", "second", """{"y": [[1, 1, 1]]}""");
        await _client.FeedbackOkAsync("by_count", "third", """{"y": [[1, 1, 1]]}""");
    }

    [Fact]
    public async Task Feedback_PredictionOlderThanItsTimeToLive_IsNotFound()
    {
        await _client.PredictAsync("by_age", "old", [[1, 1, 1]]);
        service.Time.Advance(TimeSpan.FromMinutes(6));
        await _client.PredictAsync("by_age", "young", [[1, 1, 1]]);

        service.Time.Advance(TimeSpan.FromMinutes(5));

        using var old = await _client.FeedbackAsync("by_age", """{"id": "old", "targets": {"y": [[1, 1, 1]]}}""");
        await ResponseAssert.ProtocolErrorAsync(old, HttpStatusCode.NotFound, "'old'");
        await _client.FeedbackOkAsync("by_age", "young", """{"y": [[1, 1, 1]]}""");
    }
}
