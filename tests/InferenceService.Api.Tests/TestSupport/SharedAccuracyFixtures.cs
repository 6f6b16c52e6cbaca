using System.Globalization;
using System.Net;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// A real Redis and service processes sharing it (<c>Accuracy:Store=redis</c>), as replicas behind one Service are:
/// the same models (identity_float with labels a, b, c as "shared", without labels as "regressor"), row windows of 2 and
/// 1,000 rows and the default hour. Everything is stopped on dispose.
/// </summary>
public abstract class SharedAccuracyFixture(int replicas) : IAsyncLifetime
{
    private readonly ModelRepositoryBuilder _repository = new();
    private readonly List<ServiceProcess> _replicas = [];
    private readonly List<HttpClient> _clients = [];

    public RedisServer Redis { get; private set; } = null!;

    public IReadOnlyList<ServiceProcess> Replicas => _replicas;

    public IReadOnlyList<HttpClient> Clients => _clients;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        _repository.AddModel("shared", "identity_float.onnx")
            .WithLabels("shared", "labels.txt", "a", "b", "c")
            .WithConfig("shared", """{"output": [{"name": "y", "label_filename": "labels.txt"}]}""")
            .AddModel("regressor", "identity_float.onnx");
        for (var i = 0; i < replicas; i++)
        {
            _replicas.Add(ServiceProcess.Start(new Dictionary<string, string>
            {
                ["ModelRepository__Path"] = _repository.Root,
                ["Accuracy__Store"] = "redis",
                ["Accuracy__Redis__Configuration"] = Redis.Configuration,
                ["Accuracy__RowWindows__0"] = "2",
                ["Accuracy__RowWindows__1"] = "1000",
            }));
        }
        await Task.WhenAll(_replicas.Select(r => r.WaitUntilReadyAsync()));
        _clients.AddRange(_replicas.Select(r => r.CreateClient()));
    }

    /// <summary>
    /// Waits until a replica has written at least <paramref name="minimum"/> answered predictions behind to Redis (the
    /// write follows the answer), so that another replica can find them.
    /// </summary>
    public static async Task WaitForStoredAsync(HttpClient replica, double minimum, string outcome = "stored")
    {
        var scrape = await PrometheusAssert.ScrapeWhenAsync(replica, s => Stored(s, outcome) >= minimum);
        Assert.True(Stored(scrape, outcome) >= minimum,
            $"The replica wrote {Stored(scrape, outcome).ToString(CultureInfo.InvariantCulture)} predictions with outcome {outcome}, not {minimum.ToString(CultureInfo.InvariantCulture)}.");
    }

    public static double Stored(PrometheusScrape scrape, string outcome = "stored") =>
        scrape.Sum("inference_accuracy_store_writes_total", ("outcome", outcome));

    public async Task DisposeAsync()
    {
        _clients.ForEach(c => c.Dispose());
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }
        await Redis.DisposeAsync();
        _repository.Dispose();
    }

    /// <summary>The answer's status, read and disposed.</summary>
    public static async Task<HttpStatusCode> StatusOfAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        return response.StatusCode;
    }
}

/// <summary>Two replicas sharing one Redis.</summary>
public sealed class TwoReplicasFixture() : SharedAccuracyFixture(2);

/// <summary>One replica on a Redis the test takes away and brings back.</summary>
public sealed class RedisOutageFixture() : SharedAccuracyFixture(1);
