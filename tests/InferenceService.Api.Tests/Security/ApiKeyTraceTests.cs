using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using InferenceService.Security;

namespace InferenceService.Api.Tests.Security;

/// <summary>The request's span carries the key's id, never the key.</summary>
public sealed class ApiKeyTraceTests(KeyedServiceFixture service) : IClassFixture<KeyedServiceFixture>
{
    [Fact]
    public async Task Request_WithKey_RequestSpanCarriesTheKeyId()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/models/iris");
        request.Headers.Add("X-API-Key", TestKeys.Only(Scopes.Infer));
        using var response = await service.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        Activity? span = null;
        for (var i = 0; i < 200 && span is null; i++)
        {
            span = stopped.FirstOrDefault(a => a.GetTagItem(SecurityDoor.KeyIdTag) is not null);
            await Task.Delay(10);
        }
        Assert.NotNull(span);
        Assert.Equal(Scopes.Infer, span.GetTagItem(SecurityDoor.KeyIdTag));
        Assert.DoesNotContain(span.TagObjects, t => t.Value is string text && text.Contains(TestKeys.Only(Scopes.Infer), StringComparison.Ordinal));
    }
}
