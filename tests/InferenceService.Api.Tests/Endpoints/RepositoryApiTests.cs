using System.Net;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;
using static InferenceService.Api.Tests.TestSupport.LifecycleRequests;

namespace InferenceService.Api.Tests.Endpoints;

/// <summary>One service process in explicit control mode for the class; each test uses its own models.</summary>
public sealed class ExplicitModeProcess : IAsyncLifetime
{
    public ModelRepositoryBuilder Repository { get; } = new ModelRepositoryBuilder()
        .AddModel("ident", "identity_float.onnx")
        .AddModel("spare", "identity_float.onnx")
        .AddModel("grows", "identity_float.onnx", 1)
        .AddModel("policy", "identity_float.onnx", 1, 2);

    public ServiceProcess Service { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Service = ServiceProcess.Start(new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = Repository.Root,
            ["ModelRepository__ControlMode"] = "explicit",
            ["ModelRepository__LoadModels__0"] = "ident,grows,policy",
            ["Limits__MaxModelUploadBytes"] = "65536",
        });
        await Service.WaitUntilReadyAsync();
        Client = Service.CreateClient(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Service.DisposeAsync();
        Repository.Dispose();
    }
}

public sealed class RepositoryApiTests(ExplicitModeProcess process) : IClassFixture<ExplicitModeProcess>
{
    private readonly HttpClient _client = process.Client;

    private static string Base64Of(string testModel) => Convert.ToBase64String(File.ReadAllBytes(TestPaths.TestModel(testModel)));

    [Fact]
    public async Task Index_ExplicitMode_ListsUnloadedModelsAsUnavailableAndLoadedOnesWithTheirLoad()
    {
        var index = await IndexAsync(_client);

        var spare = Assert.Single(index, e => e.GetProperty("name").GetString() == "spare");
        Assert.Equal("UNAVAILABLE", spare.GetProperty("state").GetString());
        Assert.False(spare.TryGetProperty("memory_bytes", out _));
        var ident = Assert.Single(index, e => e.GetProperty("name").GetString() == "ident");
        Assert.Equal("READY", ident.GetProperty("state").GetString());
        Assert.True(ident.GetProperty("memory_bytes").GetInt64() > 0);
        Assert.True(ident.GetProperty("load_duration_ms").GetDouble() > 0);
        Assert.True(ident.GetProperty("loaded_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(-1));
    }

    [Fact]
    public async Task Index_ReadyOnly_LeavesOutWhatIsNotReady()
    {
        var index = await IndexAsync(_client, readyOnly: true);

        Assert.NotEmpty(index);
        Assert.All(index, e => Assert.Equal("READY", e.GetProperty("state").GetString()));
        Assert.DoesNotContain(index, e => e.GetProperty("name").GetString() == "spare");
    }

    [Fact]
    public async Task Load_UploadedFilesWithTheirConfig_ServesTheNewModel()
    {
        var config = ConfigParameter("""{ "max_batch_size": 8, "input": [{ "name": "x", "data_type": "TYPE_FP32", "dims": [3] }] }""");

        using var response = await LoadAsync(_client, "uploaded", $$"""{ "parameters": { "config": {{config}}, "file:1/model.onnx": "{{Base64Of("identity_float.onnx")}}" } }""");

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var answer = await InferIdentityAsync(_client, "uploaded", 5);
        Assert.True(answer.Whole, answer.Body);
        Assert.Equal("READY", await StateAsync(_client, "uploaded", "1"));
        Assert.False(Directory.Exists(Path.Combine(process.Repository.Root, "uploaded"))); // served from the upload, not written into the repository
    }

    [Fact]
    public async Task Load_FilesWithoutConfig_IsRefusedAsTritonDoes()
    {
        using var response = await LoadAsync(_client, "noconfig", $$"""{ "parameters": { "file:1/model.onnx": "{{Base64Of("identity_float.onnx")}}" } }""");

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, "needs its configuration too");
    }

    [Fact]
    public async Task Load_ConfigOverride_ChangesTheServedVersions()
    {
        var config = ConfigParameter("""{ "version_policy": { "all": {} } }""");

        using var response = await LoadAsync(_client, "policy", $$"""{ "parameters": { "config": {{config}} } }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var metadata = await _client.GetAsync("/v2/models/policy");
        var versions = (await ResponseAssert.JsonAsync(metadata, HttpStatusCode.OK)).GetProperty("versions");
        Assert.Equal(["2", "1"], versions.EnumerateArray().Select(v => v.GetString()));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".hidden")]
    [InlineData("a%5Cb")]
    [InlineData("..%5Cetc")]
    public async Task Load_ModelNameOutsideTheRepository_IsRefused(string name)
    {
        using var response = await LoadAsync(_client, name);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{(int)response.StatusCode}");
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/v2/health/live")).StatusCode);
    }

    [Theory]
    [InlineData("file:../escape.onnx")]
    [InlineData("file:1/../../escape.onnx")]
    [InlineData("file:/tmp/escape.onnx")]
    [InlineData("file:1\\\\..\\\\escape.onnx")]
    [InlineData("file:config.json")]
    [InlineData("url")]
    public async Task Load_UploadedFileNameOutsideTheModel_IsRefusedAndNothingIsWritten(string parameter)
    {
        var config = ConfigParameter("{}");

        using var response = await LoadAsync(_client, "traversal", $$"""{ "parameters": { "config": {{config}}, "{{parameter}}": "{{Base64Of("identity_float.onnx")}}" } }""");

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "escape.onnx")));
        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "inference-service-uploads", "escape.onnx")));
        Assert.Equal("ABSENT", await StateAsync(_client, "traversal", "1"));
    }

    [Fact]
    public async Task Load_BodyOverTheUploadLimit_Is413()
    {
        var config = ConfigParameter("{}");
        var big = Convert.ToBase64String(new byte[100_000]);

        using var response = await LoadAsync(_client, "big", $$"""{ "parameters": { "config": {{config}}, "file:1/model.onnx": "{{big}}" } }""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("(65536 bytes, Limits:MaxModelUploadBytes)", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_CorruptNewVersionBesideAGoodOne_TheGoodOneKeepsServingAndTheReasonIsGiven()
    {
        var folder = Path.Combine(process.Repository.Root, "grows", "2");
        Directory.CreateDirectory(folder);
        File.Copy(TestPaths.TestModel("corrupt.onnx"), Path.Combine(folder, "model.onnx"));

        using var response = await LoadAsync(_client, "grows");

        var message = await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.BadRequest, "version 2", "still serve");
        Assert.DoesNotContain(process.Repository.Root, message, StringComparison.Ordinal);
        var answer = await InferIdentityAsync(_client, "grows", 1);
        Assert.True(answer.Whole, answer.Body);
        Assert.Equal("1", answer.Version);
        Assert.Equal("READY", await StateAsync(_client, "grows", "1"));
    }

    [Fact]
    public async Task Unload_UnknownModel_Is404()
    {
        using var response = await UnloadAsync(_client, "nope");

        await ResponseAssert.ProtocolErrorAsync(response, HttpStatusCode.NotFound, "Model 'nope' is not in the repository.");
    }

    [Fact]
    public async Task Load_ThenUnload_ModelServesThenIsUnavailable()
    {
        using (var load = await LoadAsync(_client, "spare"))
        {
            Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        }
        Assert.True((await InferIdentityAsync(_client, "spare", 2)).Whole);

        using (var unload = await UnloadAsync(_client, "spare"))
        {
            Assert.Equal(HttpStatusCode.OK, unload.StatusCode);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await InferIdentityAsync(_client, "spare", 2)).Status);
        Assert.Equal("UNAVAILABLE", await StateAsync(_client, "spare", "1"));
    }
}

public sealed class ControlModeNoneTests : IDisposable
{
    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder().AddModel("ident", "identity_float.onnx");

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task LoadAndUnload_DefaultControlMode_AreAConflictThatNamesTheSetting()
    {
        await using var service = ServiceProcess.Start(new Dictionary<string, string> { ["ModelRepository__Path"] = _repository.Root });
        await service.WaitUntilReadyAsync();
        using var client = service.CreateClient();

        using var load = await LoadAsync(client, "ident");
        using var unload = await UnloadAsync(client, "ident");

        await ResponseAssert.ProtocolErrorAsync(load, HttpStatusCode.Conflict, "ModelRepository:ControlMode is none");
        await ResponseAssert.ProtocolErrorAsync(unload, HttpStatusCode.Conflict, "ModelRepository:ControlMode is none");
        Assert.True((await InferIdentityAsync(client, "ident", 1)).Whole);
        Assert.Equal("READY", await StateAsync(client, "ident", "1"));
    }
}
