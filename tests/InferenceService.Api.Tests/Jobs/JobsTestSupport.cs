using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Jobs;

/// <summary>Datasets, submissions and waits that the job API tests share.</summary>
internal static class JobsTestSupport
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>An iris CSV of <paramref name="rows"/> rows (id, four measurements), deterministic.</summary>
    public static string IrisCsv(int rows)
    {
        var text = new StringBuilder("id,sepal_length,sepal_width,petal_length,petal_width\n");
        for (var i = 0; i < rows; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"r{i},{4.3 + i % 36 * 0.1:0.0},{2.0 + i % 24 * 0.1:0.0},{1.0 + i % 59 * 0.1:0.0},{0.1 + i % 25 * 0.1:0.0}\n");
        }
        return text.ToString();
    }

    /// <summary>POSTs a dataset upload; returns the answer.</summary>
    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string query, string body, string mediaType = "text/csv")
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return await client.PostAsync("/v2/jobs?" + query, content);
    }

    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string query, byte[] body, string mediaType)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return await client.PostAsync("/v2/jobs?" + query, content);
    }

    /// <summary>Submits and returns the job's id (asserting 202 and its Location).</summary>
    public static async Task<string> SubmitAsync(HttpClient client, string query, string body, string mediaType = "text/csv")
    {
        using var response = await UploadAsync(client, query, body, mediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {text}");
        var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
        Assert.Equal($"/v2/jobs/{id}", response.Headers.Location?.OriginalString);
        return id;
    }

    public static async Task<JsonElement> GetJobAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/v2/jobs/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Polls the job until <paramref name="done"/> holds; fails with its last state after <see cref="Patience"/>.</summary>
    public static async Task<JsonElement> WaitForAsync(HttpClient client, string id, Func<JsonElement, bool> done, string description)
    {
        var clock = Stopwatch.StartNew();
        JsonElement job = default;
        while (clock.Elapsed < Patience)
        {
            job = await GetJobAsync(client, id);
            if (done(job))
            {
                return job;
            }
            await Task.Delay(20);
        }
        Assert.Fail($"Job {id} never became {description}; last: {job}");
        return job;
    }

    public static Task<JsonElement> WaitUntilFinishedAsync(HttpClient client, string id) =>
        WaitForAsync(client, id, j => j.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled", "finished");

    public static string Status(JsonElement job) => job.GetProperty("status").GetString()!;

    public static async Task<string> OutputAsync(HttpClient client, string id, string file = "output")
    {
        using var response = await client.GetAsync($"/v2/jobs/{id}/{file}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    public static IReadOnlyList<JsonElement> JsonLines(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    public static async Task<string> ErrorOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;
}

/// <summary>A temporary folder for a job directory and an input root, removed on dispose.</summary>
public sealed class JobsFolder : IDisposable
{
    public JobsFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "inference-jobs-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(JobsDirectory);
        Directory.CreateDirectory(InputRoot);
    }

    public string Root { get; }

    public string JobsDirectory => Path.Combine(Root, "jobs");

    public string InputRoot => Path.Combine(Root, "inputs");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
