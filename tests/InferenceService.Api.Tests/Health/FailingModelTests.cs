using System.Net;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Health;

/// <summary>
/// A repository where some models cannot be served — a corrupt model file, a config.json with many problems, a
/// model folder without versions — beside good ones, which must serve regardless.
/// </summary>
public abstract class FailingModelsFixture : ServiceFixture
{
    /// <summary>Every problem of the misconfigured model's config.json, as the reason must name them.</summary>
    public static readonly IReadOnlyList<string> ConfigProblems =
    [
        "name \"another_name\" differs from the model's folder name \"misconfigured\".",
        "platform \"tensorflow_graphdef\" is not served here",
        "max_batch_size must be 0 (not batched) or more, not -1.",
        "version_policy.latest.num_versions must be 1 or more, not 0.",
        "input[0] 'x': data_type \"TYPE_FLOAT\" is not a known type",
        "input[0] 'x': dims may hold sizes and -1 (any size), not -2.",
        "output[0] 'y': label_filename \"missing.txt\" is not a file in the model's folder.",
        "instance_group[0].count must be from 1 to 64, not 0.",
        "instance_group[0].kind must be KIND_AUTO, KIND_CPU or KIND_GPU, not \"KIND_TPU\".",
        "parameters.intra_op_num_threads must be a whole number from 0 (ONNX Runtime's default) to 1024, not \"many\".",
        "parameters.bogus is not a known parameter",
        "\"optimisation\" is not a known configuration field.",
    ];

    /// <summary>Entries of the repository index: corrupt, good, iris ×2, misconfigured, no_versions.</summary>
    public const int IndexEntries = 6;

    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository
        .AddSampleModel("iris")
        .AddFolder("iris/latest") // not a version: ignored
        .AddModel("good", "two_inputs_two_outputs.onnx")
        .AddModel("corrupt", "corrupt.onnx")
        .AddModel("misconfigured", "fixed_shape.onnx")
        .WithConfig("misconfigured", """
            {
              "name": "another_name",
              "platform": "tensorflow_graphdef",
              "max_batch_size": -1,
              "version_policy": { "latest": { "num_versions": 0 } },
              "input": [{ "name": "x", "data_type": "TYPE_FLOAT", "dims": [-2, 3] }],
              "output": [{ "name": "y", "label_filename": "missing.txt" }],
              "instance_group": [{ "count": 0, "kind": "KIND_TPU" }],
              "parameters": { "intra_op_num_threads": { "string_value": "many" }, "bogus": { "string_value": "1" } },
              "dynamic_batching": {},
              "optimisation": {}
            }
            """)
        .AddFolder("no_versions/not_a_version")
        .AddModel(".hidden", "corrupt.onnx") // hidden folders are not models
        .AddModel("_staging", "corrupt.onnx");

    protected override Task WaitUntilStartedAsync(HttpClient client) => ServiceReadiness.WaitUntilLoadedAsync(client, IndexEntries);
}

public sealed class StrictFailingModelsFixture : FailingModelsFixture;

public sealed class NonStrictFailingModelsFixture : FailingModelsFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["ModelRepository:StrictReadiness"] = "false" };
}

public class FailingModelTests(StrictFailingModelsFixture service) : IClassFixture<StrictFailingModelsFixture>
{
    private readonly HttpClient _client = service.Client;

    private async Task<Dictionary<string, JsonElement>> IndexAsync()
    {
        using var response = await _client.PostAsync("/v2/repository/index", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        ResponseAssert.NoInternals(body);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.EnumerateArray().ToDictionary(
            e => $"{e.GetProperty("name").GetString()}:{e.GetProperty("version").GetString()}", e => e.Clone());
    }

    private static string ReasonOf(JsonElement entry)
    {
        Assert.Equal("FAILED", entry.GetProperty("state").GetString());
        var reason = entry.GetProperty("reason").GetString()!;
        ResponseAssert.NoRootedPath(reason);
        ResponseAssert.NoInternals(reason);
        return reason;
    }

    [Fact]
    public async Task GoodModels_BesideFailingOnes_Serve()
    {
        var iris = await ResponseAssert.JsonAsync(
            await _client.PostJsonTextAsync("/predict", """{ "model": "iris", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }"""), HttpStatusCode.OK);
        JsonCompare.Equal("""["setosa"]""", iris.GetProperty("labels").GetProperty("label"));

        var good = await ResponseAssert.JsonAsync(await _client.PostJsonTextAsync("/v2/models/good/infer", """
            { "inputs": [{ "name": "a", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4] }, { "name": "b", "datatype": "FP32", "shape": [1, 4], "data": [2, 2, 2, 2] }] }
            """), HttpStatusCode.OK);
        JsonCompare.Equal("[3, 4, 5, 6]", good.GetProperty("outputs")[0].GetProperty("data"));
    }

    [Fact]
    public async Task RepositoryIndex_FailingModels_ListsEveryModelWithItsState()
    {
        var index = await IndexAsync();

        Assert.Equal(["corrupt:1", "good:1", "iris:1", "iris:2", "misconfigured:1", "no_versions:"], index.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("READY", index["good:1"].GetProperty("state").GetString());
        Assert.Equal("READY", index["iris:2"].GetProperty("state").GetString());
        Assert.Equal("READY", index["iris:1"].GetProperty("state").GetString());
        Assert.False(index["good:1"].TryGetProperty("reason", out _));
    }

    [Fact]
    public async Task RepositoryIndex_CorruptModel_IsFailedWithOnnxRuntimesReason()
    {
        var reason = ReasonOf((await IndexAsync())["corrupt:1"]);

        Assert.StartsWith("ONNX Runtime could not load version 1:", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepositoryIndex_InvalidConfig_ReasonListsEveryProblem()
    {
        var reason = ReasonOf((await IndexAsync())["misconfigured:1"]);

        Assert.All(FailingModelsFixture.ConfigProblems, problem => Assert.Contains(problem, reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RepositoryIndex_ModelWithoutVersions_IsFailedSayingSo()
    {
        var reason = ReasonOf((await IndexAsync())["no_versions:"]);

        Assert.Contains("no version folders", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthReady_StrictWithFailedModels_Returns503ListingFailuresWithReasons()
    {
        using var response = await _client.GetAsync("/health/ready");
        var body = await ResponseAssert.JsonAsync(response, HttpStatusCode.ServiceUnavailable);

        Assert.Equal("not ready", body.GetProperty("status").GetString());
        var models = body.GetProperty("models").EnumerateArray().ToDictionary(m => $"{m.GetProperty("name").GetString()}:{m.GetProperty("version").GetString()}");
        Assert.StartsWith("ONNX Runtime could not load version 1:", ReasonOf(models["corrupt:1"]), StringComparison.Ordinal);
        Assert.All(FailingModelsFixture.ConfigProblems, problem => Assert.Contains(problem, ReasonOf(models["misconfigured:1"]), StringComparison.Ordinal));
        Assert.Contains("no version folders", ReasonOf(models["no_versions:"]), StringComparison.Ordinal);
        Assert.Equal("READY", models["good:1"].GetProperty("state").GetString());
        ResponseAssert.NoInternals(await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/health/ready")]
    [InlineData("/v2/repository/index")]
    public async Task FailureReasons_InEveryAnswer_KeepQuotesAndApostrophesReadable(string path)
    {
        using var response = path.StartsWith("/v2", StringComparison.Ordinal) ? await _client.PostAsync(path, null) : await _client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();

        // Answers are JSON, never embedded in HTML: the server writes " and ' as they are, not as \u0022 and \u0027.
        Assert.Contains("""name \"another_name\" differs from the model's folder name \"misconfigured\".""", body, StringComparison.Ordinal);
        Assert.Contains("(<model>/<version>/model.onnx", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V2HealthReady_StrictWithFailedModels_Returns503()
    {
        using var response = await _client.GetAsync("/v2/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Theory]
    [InlineData("corrupt", "Model 'corrupt' has no ready version (version 1: failed).")]
    [InlineData("misconfigured", "Model 'misconfigured' has no ready version (its configuration is invalid).")]
    [InlineData("no_versions", "Model 'no_versions' has no ready version")]
    public async Task Infer_FailedModel_Returns503WithRetryAfter(string model, string message)
    {
        using var response = await _client.PostJsonTextAsync($"/v2/models/{model}/infer", """{ "inputs": [] }""");

        Assert.Equal("1", Assert.Single(response.Headers.GetValues("Retry-After")));
        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.ServiceUnavailable, message);
    }

    [Fact]
    public async Task Predict_FailedModel_Returns503ProblemWithRetryAfter()
    {
        using var response = await _client.PostJsonTextAsync("/predict", """{ "model": "corrupt", "inputs": { "a": [[1, 2, 3, 4]] } }""");

        Assert.Equal("1", Assert.Single(response.Headers.GetValues("Retry-After")));
        await ResponseAssert.ProblemAsync(response, HttpStatusCode.ServiceUnavailable, "Model 'corrupt' has no ready version");
    }

    [Theory]
    [InlineData("/v2/models/corrupt/ready", "corrupt")]
    [InlineData("/v2/models/corrupt/versions/1/ready", "corrupt")]
    [InlineData("/v2/models/misconfigured/ready", "misconfigured")]
    public async Task ModelReady_FailedModel_Returns503False(string path, string model)
    {
        var body = await ResponseAssert.JsonAsync(await _client.GetAsync(path), HttpStatusCode.ServiceUnavailable);

        JsonCompare.Equal($$"""{ "name": "{{model}}", "ready": false }""", body);
    }

    [Fact]
    public async Task ModelMetadata_FailedModel_Returns503Error()
    {
        await ResponseAssert.ProtocolErrorAsync(await _client.GetAsync("/v2/models/corrupt"), HttpStatusCode.ServiceUnavailable, "Model 'corrupt'");
    }

    [Theory]
    [InlineData(".hidden")]
    [InlineData("_staging")]
    public async Task ModelReady_HiddenFolder_IsNotAModel(string folder)
    {
        await ResponseAssert.ProtocolErrorAsync(await _client.GetAsync($"/v2/models/{folder}/ready"), HttpStatusCode.NotFound, "not in the repository");
    }
}

public class NonStrictFailingModelTests(NonStrictFailingModelsFixture service) : IClassFixture<NonStrictFailingModelsFixture>
{
    private readonly HttpClient _client = service.Client;

    [Fact]
    public async Task V2HealthReady_NotStrictWithFailedModels_Returns200()
    {
        using var response = await _client.GetAsync("/v2/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HealthReady_NotStrictWithFailedModels_Returns200StillListingFailures()
    {
        var body = await ResponseAssert.JsonAsync(await _client.GetAsync("/health/ready"), HttpStatusCode.OK);

        Assert.Equal("ready", body.GetProperty("status").GetString());
        var states = body.GetProperty("models").EnumerateArray().ToDictionary(
            m => $"{m.GetProperty("name").GetString()}:{m.GetProperty("version").GetString()}", m => m.GetProperty("state").GetString());
        Assert.Equal("FAILED", states["corrupt:1"]);
        Assert.Equal("FAILED", states["misconfigured:1"]);
        Assert.Equal("FAILED", states["no_versions:"]);
        Assert.Equal("READY", states["good:1"]);
    }

    [Fact]
    public async Task ModelReady_NotStrictFailedModel_StillReturns503False()
    {
        var body = await ResponseAssert.JsonAsync(await _client.GetAsync("/v2/models/corrupt/ready"), HttpStatusCode.ServiceUnavailable);

        Assert.False(body.GetProperty("ready").GetBoolean());
    }
}
