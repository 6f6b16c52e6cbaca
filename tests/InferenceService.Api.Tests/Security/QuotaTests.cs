using System.Globalization;
using System.Net;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace InferenceService.Api.Tests.Security;

/// <summary>
/// A key with 1 request a second and a burst of 3, on a clock the tests move: the iris sample behind it, and a
/// scraper key to read the metrics without spending the metered key's tokens.
/// </summary>
public sealed class RateQuotaFixture : ServiceFixture
{
    public const string MeteredKey = "metered-key-0123456789abcdef";
    public const string OtherKey = "other-key-0123456789abcdef";
    public const string ScraperKey = "scraper-key-0123456789abcdef";

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture));

    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository.AddSampleModel("iris");

    protected override IReadOnlyDictionary<string, string?>? Settings
    {
        get
        {
            var settings = new Dictionary<string, string?>();
            TestKeys.Add(settings, 0, "metered", MeteredKey, [Scopes.Infer], hashed: true);
            settings["Authentication:ApiKeys:0:RequestsPerSecond"] = "1";
            settings["Authentication:ApiKeys:0:Burst"] = "3";
            TestKeys.Add(settings, 1, "other", OtherKey, [Scopes.Infer], hashed: true);
            settings["Authentication:ApiKeys:1:RequestsPerSecond"] = "1";
            settings["Authentication:ApiKeys:1:Burst"] = "1";
            TestKeys.Add(settings, 2, "scraper", ScraperKey, [Scopes.Metrics], hashed: true);
            return settings;
        }
    }

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Time);
}

/// <summary>Per-key token buckets: exactly the burst passes, the rest get 429 with a Retry-After that is honoured.</summary>
public sealed class RateQuotaTests(RateQuotaFixture service) : IClassFixture<RateQuotaFixture>
{
    private async Task<HttpResponseMessage> GetAsync(string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-API-Key", key);
        return await service.Client.SendAsync(request);
    }

    [Fact]
    public async Task Burst_NPlusKRequests_ExactlyKAnswer429WithRetryAfter_ThenRetryAfterIsHonoured()
    {
        // A full bucket: the clock moved on since any earlier test.
        service.Time.Advance(TimeSpan.FromSeconds(10));
        const int burst = 3, extra = 4;
        var statuses = new List<HttpStatusCode>();
        var retryAfters = new List<string>();
        for (var i = 0; i < burst + extra; i++)
        {
            using var response = await GetAsync("/v2/models/iris", RateQuotaFixture.MeteredKey);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                retryAfters.Add(Assert.Single(response.Headers.GetValues("Retry-After")));
                await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.TooManyRequests, "1 requests a second", "burst 3");
            }
        }
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, burst).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, extra)), statuses);
        Assert.All(retryAfters, r => Assert.Equal("1", r));

        // Waiting what Retry-After said gives exactly one more request (the rate is 1 a second).
        service.Time.Advance(TimeSpan.FromSeconds(int.Parse(retryAfters[^1], CultureInfo.InvariantCulture)));
        using (var retried = await GetAsync("/v2/models/iris", RateQuotaFixture.MeteredKey))
        {
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        }
        using (var again = await GetAsync("/v2/models/iris", RateQuotaFixture.MeteredKey))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        }
    }

    [Fact]
    public async Task OverQuota_OneKey_AnotherKeyIsNotLimited()
    {
        service.Time.Advance(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 3; i++)
        {
            using var spent = await GetAsync("/v2/models/iris", RateQuotaFixture.MeteredKey);
        }
        using (var refused = await GetAsync("/v2/models/iris", RateQuotaFixture.MeteredKey))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }
        using var other = await GetAsync("/v2/models/iris", RateQuotaFixture.OtherKey);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task OverQuota_Refusals_CountedByKeyAndModel()
    {
        service.Time.Advance(TimeSpan.FromSeconds(10));
        using (var spent = await GetAsync("/v2/models/iris", RateQuotaFixture.OtherKey))
        {
            Assert.Equal(HttpStatusCode.OK, spent.StatusCode);
        }
        using (var refused = await GetAsync("/v2/models/iris", RateQuotaFixture.OtherKey))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }
        using var scrape = await GetAsync("/metrics", RateQuotaFixture.ScraperKey);
        var text = await scrape.Content.ReadAsStringAsync();
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("inference_quota_rejections_total{", StringComparison.Ordinal)
            && l.Contains("key=\"other\"", StringComparison.Ordinal) && l.Contains("model=\"iris\"", StringComparison.Ordinal)
            && l.Contains("limit=\"rate\"", StringComparison.Ordinal));
        Assert.True(line is not null, $"No rejection series for key other and model iris in:\n{text}");
        Assert.True(double.Parse(line.Split(' ')[^1], CultureInfo.InvariantCulture) >= 1);
    }
}

/// <summary>
/// A model with one instance, a batch of 1 and a queue of 2, with Runs the tests can hold; a noisy key allowed one
/// request in flight and a quiet key without a limit.
/// </summary>
public sealed class ConcurrencyQuotaFixture : ServiceFixture
{
    public const string NoisyKey = "noisy-key-0123456789abcdef";
    public const string QuietKey = "quiet-key-0123456789abcdef";

    public RunGate Gate { get; } = new();

    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository
        .AddModel("ident", "identity_float.onnx")
        .WithConfig("ident", """
            { "max_batch_size": 1, "dynamic_batching": { "default_queue_policy": { "max_queue_size": 2 } } }
            """);

    protected override IReadOnlyDictionary<string, string?>? Settings
    {
        get
        {
            var settings = new Dictionary<string, string?>();
            TestKeys.Add(settings, 0, "noisy", NoisyKey, [Scopes.Infer], hashed: true);
            settings["Authentication:ApiKeys:0:MaxConcurrentRequests"] = "1";
            TestKeys.Add(settings, 1, "quiet", QuietKey, [Scopes.Infer, Scopes.Metrics], hashed: false);
            return settings;
        }
    }

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IBatchObserver>(Gate);
}

/// <summary>A client over its requests in flight is refused with 429 before the queue: the queue stays for the others.</summary>
public sealed class ConcurrencyQuotaTests(ConcurrencyQuotaFixture service) : IClassFixture<ConcurrencyQuotaFixture>, IDisposable
{
    private const string Row = """{ "inputs": [{ "name": "x", "datatype": "FP32", "shape": [1, 3], "data": [1, 2, 3] }] }""";

    public void Dispose() => service.Gate.Open();

    private Task<HttpResponseMessage> InferAsync(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v2/models/ident/infer") { Content = new StringContent(Row, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-API-Key", key);
        return service.Client.SendAsync(request);
    }

    [Fact]
    public async Task NoisyKey_OverItsRequestsInFlight_Gets429AndTheQuietKeyKeepsTheQueue()
    {
        var model = service.Factory.Services.GetRequiredService<ModelRegistry>().Resolve("ident", null);
        service.Gate.Close();
        var running = InferAsync(ConcurrencyQuotaFixture.NoisyKey);
        await service.Gate.WaitUntilHeldAsync();

        // The noisy key's next requests are refused at once, before the queue: its depth stays 0.
        for (var i = 0; i < 5; i++)
        {
            using var refused = await InferAsync(ConcurrencyQuotaFixture.NoisyKey);
            await ResponseAssert.ProtocolErrorAsync(refused, HttpStatusCode.TooManyRequests, "1 requests in flight");
            Assert.Equal("1", Assert.Single(refused.Headers.GetValues("Retry-After")));
        }
        Assert.Equal(0, model.QueueDepth);

        // The quiet key finds the whole queue free.
        var quiet = new[] { InferAsync(ConcurrencyQuotaFixture.QuietKey), InferAsync(ConcurrencyQuotaFixture.QuietKey) };
        for (var i = 0; i < 500 && model.QueueDepth != 2; i++)
        {
            await Task.Delay(20);
        }
        Assert.Equal(2, model.QueueDepth);
        service.Gate.Open();
        using (var first = await running)
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }
        foreach (var response in await Task.WhenAll(quiet))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        // Its request answered, the noisy key may send again.
        using var after = await InferAsync(ConcurrencyQuotaFixture.NoisyKey);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }
}
