using System.Net;
using System.Text;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;
using static InferenceService.Api.Tests.Jobs.JobsTestSupport;

namespace InferenceService.Api.Tests.Jobs;

/// <summary>The job API in memory: submission both ways, statuses, files, cancel, delete, and every refusal.</summary>
public sealed class JobsApiTests : IAsyncLifetime
{
    private readonly ModelRepositoryBuilder _repository = new ModelRepositoryBuilder().AddSampleModel("iris");
    private readonly JobsFolder _folder = new();
    private InferenceServiceFactory _factory = null!;
    private HttpClient _client = null!;

    private InferenceServiceFactory Factory(long maxUpload = 1 << 20) => new(_repository.Root, new Dictionary<string, string?>
    {
        ["Jobs:Directory"] = _folder.JobsDirectory,
        ["Jobs:InputRoot"] = _folder.InputRoot,
        ["Jobs:MaxUploadBytes"] = maxUpload.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public async Task InitializeAsync()
    {
        _factory = Factory();
        _client = _factory.CreateClient();
        await ServiceReadiness.WaitUntilReadyAsync(_client);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        _repository.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Submit_CsvUpload_SucceedsWithEveryRowInOrderAndItsKey()
    {
        var id = await SubmitAsync(_client, "model=iris&key=id&output_format=jsonl", IrisCsv(300));
        var job = await WaitUntilFinishedAsync(_client, id);

        Assert.Equal("succeeded", Status(job));
        Assert.Equal((300, 300, 0), (job.GetProperty("rows").GetProperty("total").GetInt64(), job.GetProperty("rows").GetProperty("succeeded").GetInt64(), job.GetProperty("rows").GetProperty("failed").GetInt64()));
        Assert.Equal("2", job.GetProperty("version").GetString());
        Assert.True(job.TryGetProperty("started", out _) && job.TryGetProperty("finished", out _));
        var rows = JsonLines(await OutputAsync(_client, id));
        Assert.Equal(Enumerable.Range(0, 300), rows.Select(r => r.GetProperty("row").GetInt32()));
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"r{i}"), rows.Select(r => r.GetProperty("key").GetString()));
        Assert.Equal(3, rows[0].GetProperty("outputs").GetProperty("probabilities").GetArrayLength());
        Assert.Equal("setosa", rows[0].GetProperty("labels").GetProperty("label").GetString());
        Assert.Equal("", await OutputAsync(_client, id, "errors"));
    }

    [Fact]
    public async Task Submit_RowsMatchingAPredictRequest_GiveThePredictAnswersOutputs()
    {
        var id = await SubmitAsync(_client, "model=iris&output_format=jsonl", "a,b,c,d\n6.7,3.0,5.2,2.3\n");
        await WaitUntilFinishedAsync(_client, id);
        var row = JsonLines(await OutputAsync(_client, id))[0];

        using var predict = await _client.PostAsync("/v2/models/iris/infer", new StringContent(
            """{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[6.7,3.0,5.2,2.3]}]}""", Encoding.UTF8, "application/json"));
        var answer = JsonDocument.Parse(await predict.Content.ReadAsStringAsync()).RootElement;
        var label = answer.GetProperty("outputs").EnumerateArray().First(o => o.GetProperty("name").GetString() == "label").GetProperty("data")[0].GetInt64();
        Assert.Equal(label, row.GetProperty("outputs").GetProperty("label").GetInt64());
        Assert.False(row.TryGetProperty("key", out _));
    }

    [Fact]
    public async Task Submit_BadRows_GoToTheErrorsFileWithTheRealTimeMessageAndTheJobGoesOn()
    {
        var csv = "id,a,b,c,d\nk0,5.1,3.5,1.4,0.2\nk1,abc,3.5,1.4,0.2\nk2,5.1,3.5\nk3,6.7,3.0,5.2,2.3\n";
        var id = await SubmitAsync(_client, "model=iris&key=id&output_format=jsonl", csv);
        var job = await WaitUntilFinishedAsync(_client, id);

        Assert.Equal("succeeded", Status(job));
        Assert.Equal((2, 2), (job.GetProperty("rows").GetProperty("succeeded").GetInt64(), job.GetProperty("rows").GetProperty("failed").GetInt64()));
        Assert.Equal([0, 3], JsonLines(await OutputAsync(_client, id)).Select(r => r.GetProperty("row").GetInt32()));
        var errors = JsonLines(await OutputAsync(_client, id, "errors"));
        Assert.Equal([(1, "k1"), (2, "k2")], errors.Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("key").GetString()!)));
        Assert.Contains("got the string \"abc\"", errors[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("Input 'input' dimension 1 must be 4, got 2.", errors[1].GetProperty("error").GetString());

        // The same row sent in real time is refused with the same message.
        using var online = await _client.PostAsync("/v2/models/iris/infer", new StringContent(
            """{"inputs":[{"name":"input","datatype":"FP32","shape":[1,2],"data":[5.1,3.5]}]}""", Encoding.UTF8, "application/json"));
        Assert.Contains("Input 'input' dimension 1 must be 4, got 2.", await ErrorOf(online), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_MaxFailedRowsExceeded_FailsSayingWhy()
    {
        var csv = "a,b,c,d\n" + string.Concat(Enumerable.Repeat("x,1,1,1\n", 5)) + "5.1,3.5,1.4,0.2\n";
        var id = await SubmitAsync(_client, "model=iris&max_failed_rows=2&batch_size=1", csv);
        var job = await WaitUntilFinishedAsync(_client, id);

        Assert.Equal("failed", Status(job));
        Assert.Contains("more than max_failed_rows (2)", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, job.GetProperty("rows").GetProperty("failed").GetInt64());
    }

    [Fact]
    public async Task Submit_MaxFailedRatioExceeded_FailsAndUnderItSucceeds()
    {
        var bad = "a,b,c,d\n" + string.Concat(Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? "x,1,1,1\n" : "5.1,3.5,1.4,0.2\n"));
        var failing = await SubmitAsync(_client, "model=iris&max_failed_ratio=0.25", bad);
        var passing = await SubmitAsync(_client, "model=iris&max_failed_ratio=0.6", bad);

        var failed = await WaitUntilFinishedAsync(_client, failing);
        Assert.Equal("failed", Status(failed));
        Assert.Contains("max_failed_ratio (0.25)", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("succeeded", Status(await WaitUntilFinishedAsync(_client, passing)));
    }

    [Fact]
    public async Task Submit_JsonlWithColumnMapping_FeedsTheMappedColumnAndWritesCsv()
    {
        var jsonl = """
            {"id": 7, "features": [5.1, 3.5, 1.4, 0.2]}

            {"id": 8, "features": [6.7, 3.0, 5.2, 2.3]}
            not json
            """;
        var id = await SubmitAsync(_client, "model=iris&key=id&columns=input:features&output_format=csv", jsonl, "application/x-ndjson");
        var job = await WaitUntilFinishedAsync(_client, id);
        Assert.Equal((2, 1), (job.GetProperty("rows").GetProperty("succeeded").GetInt64(), job.GetProperty("rows").GetProperty("failed").GetInt64()));

        var csv = (await OutputAsync(_client, id)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("row,key,probabilities,label,probabilities_label,label_label", csv[0].TrimEnd('\r'));
        Assert.StartsWith("0,7,\"[", csv[1], StringComparison.Ordinal);
        Assert.EndsWith(",setosa,setosa", csv[1].TrimEnd('\r'), StringComparison.Ordinal);
        Assert.StartsWith("1,8,", csv[2], StringComparison.Ordinal);
        var errors = (await OutputAsync(_client, id, "errors")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("2,,", errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_ServerFileUnderTheInputRoot_RunsIt()
    {
        Directory.CreateDirectory(Path.Combine(_folder.InputRoot, "nightly"));
        await File.WriteAllTextAsync(Path.Combine(_folder.InputRoot, "nightly", "day.csv"), IrisCsv(20));
        using var response = await _client.PostAsync("/v2/jobs", new StringContent(
            """{"model": "iris", "input": {"path": "nightly/day.csv"}, "key": "id", "output_format": "jsonl", "outputs": ["label"]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;

        var job = await WaitUntilFinishedAsync(_client, id);
        Assert.True(Status(job) == "succeeded", job.ToString());
        var first = JsonLines(await OutputAsync(_client, id))[0].GetProperty("outputs");
        Assert.Equal(["label"], first.EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("../outside.csv", "'..' segments")]
    [InlineData("nightly/../../outside.csv", "'..' segments")]
    [InlineData("/etc/passwd", "not absolute")]
    [InlineData("https://example.org/data.csv", "not a URL")]
    [InlineData("file:///etc/passwd", "not a URL")]
    [InlineData("missing.csv", "There is no file 'missing.csv'")]
    public async Task Submit_ServerPathOutsideTheRule_Is400WithoutTheServersFolders(string path, string expected)
    {
        using var response = await _client.PostAsync("/v2/jobs", new StringContent(
            JsonSerializer.Serialize(new { model = "iris", input = new { path } }), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = await ErrorOf(response);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain(_folder.Root, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_LinkOutOfTheInputRoot_Is400()
    {
        var outside = Path.Combine(_folder.Root, "secret.csv");
        await File.WriteAllTextAsync(outside, IrisCsv(2));
        File.CreateSymbolicLink(Path.Combine(_folder.InputRoot, "link.csv"), outside);
        Directory.CreateSymbolicLink(Path.Combine(_folder.InputRoot, "folder"), _folder.Root);

        foreach (var path in new[] { "link.csv", "folder/secret.csv" })
        {
            using var response = await _client.PostAsync("/v2/jobs", new StringContent(
                JsonSerializer.Serialize(new { model = "iris", input = new { path } }), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("outside the server's input folder", await ErrorOf(response), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Submit_UploadOverTheBound_Is413AndLeavesNothing()
    {
        await using var small = Factory(maxUpload: 1000);
        using var client = small.CreateClient();
        await ServiceReadiness.WaitUntilReadyAsync(client);

        using var response = await UploadAsync(client, "model=iris", IrisCsv(100));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("Jobs:MaxUploadBytes", await ErrorOf(response), StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(Path.Combine(_folder.JobsDirectory, "jobs")));
    }

    [Theory]
    [InlineData("version=1", HttpStatusCode.Accepted)]
    [InlineData("version=9", HttpStatusCode.NotFound)]
    [InlineData("output_format=xml", HttpStatusCode.BadRequest)]
    [InlineData("batch_size=0", HttpStatusCode.BadRequest)]
    [InlineData("max_failed_ratio=2", HttpStatusCode.BadRequest)]
    [InlineData("columns=nope:x", HttpStatusCode.BadRequest)]
    [InlineData("outputs=nope", HttpStatusCode.BadRequest)]
    public async Task Submit_Settings_AreCheckedAtOnce(string query, HttpStatusCode expected)
    {
        using var response = await UploadAsync(_client, "model=iris&" + query, IrisCsv(2));
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Submit_UnknownModelOrMediaType_IsRefused()
    {
        using var unknown = await UploadAsync(_client, "model=nope", IrisCsv(2));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var missing = await UploadAsync(_client, "", IrisCsv(2));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        using var xml = await UploadAsync(_client, "model=iris", "<a/>", "application/xml");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, xml.StatusCode);
    }

    [Fact]
    public async Task Get_List_Delete_WalkAJobsLife()
    {
        var first = await SubmitAsync(_client, "model=iris", IrisCsv(3));
        var second = await SubmitAsync(_client, "model=iris", IrisCsv(3));
        await WaitUntilFinishedAsync(_client, first);
        await WaitUntilFinishedAsync(_client, second);

        using var list = await _client.GetAsync("/v2/jobs?limit=1");
        var page = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(second, page.GetProperty("jobs")[0].GetProperty("id").GetString());
        Assert.Equal(1, page.GetProperty("next_offset").GetInt32());
        using var next = await _client.GetAsync("/v2/jobs?offset=1&limit=1");
        Assert.Equal(first, JsonDocument.Parse(await next.Content.ReadAsStringAsync()).RootElement.GetProperty("jobs")[0].GetProperty("id").GetString());

        using var deleted = await _client.DeleteAsync($"/v2/jobs/{first}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(_folder.JobsDirectory, "jobs", first)));
        using var gone = await _client.GetAsync($"/v2/jobs/{first}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal($"There is no job '{first}'.", await ErrorOf(gone));
        using var again = await _client.DeleteAsync($"/v2/jobs/{first}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using var cancelFinished = await _client.PostAsync($"/v2/jobs/{second}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, cancelFinished.StatusCode);
    }
}
