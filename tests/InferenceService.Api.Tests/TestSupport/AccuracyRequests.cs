using System.Net;
using System.Text.Json;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>The requests of the accuracy tests: predictions on [batch, 3] float models, feedback and the report.</summary>
public static class AccuracyRequests
{
    /// <summary><c>POST /predict</c> of rows (for input x unless named); with targets, an evaluation request. Asserts 200.</summary>
    public static async Task<JsonElement> PredictAsync(this HttpClient client, string model, string id, float[][] rows, string? targets = null, string input = "x")
    {
        var body = $$"""{"model": "{{model}}", "id": "{{id}}", "inputs": {"{{input}}": {{JsonSerializer.Serialize(rows)}}}{{(targets is null ? "" : $", \"targets\": {targets}")}}}""";
        using var response = await client.PostJsonTextAsync("/predict", body);
        return await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
    }

    /// <summary><c>POST /v2/models/{model}/infer</c> of rows for input x; targets go in parameters.targets.</summary>
    public static Task<HttpResponseMessage> InferAsync(this HttpClient client, string model, string? id, float[][] rows, string? targets = null)
    {
        var idPart = id is null ? "" : $"\"id\": \"{id}\", ";
        var parameters = targets is null ? "" : $", \"parameters\": {{\"targets\": {targets}}}";
        var body = $$"""{{{idPart}}"inputs": [{"name": "x", "datatype": "FP32", "shape": [{{rows.Length}}, 3], "data": {{JsonSerializer.Serialize(rows)}}}]{{parameters}}}""";
        return client.PostJsonTextAsync($"/v2/models/{model}/infer", body);
    }

    /// <summary><c>POST /v2/models/{model}[/versions/{version}]/feedback</c> with a body as written.</summary>
    public static Task<HttpResponseMessage> FeedbackAsync(this HttpClient client, string model, string body, string? version = null) =>
        client.PostJsonTextAsync($"/v2/models/{model}{(version is null ? "" : $"/versions/{version}")}/feedback", body);

    /// <summary>Feedback that must succeed; returns its answer.</summary>
    public static async Task<JsonElement> FeedbackOkAsync(this HttpClient client, string model, string id, string targets, string? version = null)
    {
        using var response = await client.FeedbackAsync(model, $$"""{"id": "{{id}}", "targets": {{targets}}}""", version);
        return await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
    }

    /// <summary><c>GET /v2/models/{model}[/versions/{version}]/accuracy</c>; asserts 200.</summary>
    public static async Task<JsonElement> AccuracyAsync(this HttpClient client, string model, string? version = null)
    {
        using var response = await client.GetAsync($"/v2/models/{model}{(version is null ? "" : $"/versions/{version}")}/accuracy");
        return await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
    }

    /// <summary>One output's entry of an accuracy report.</summary>
    public static JsonElement Output(this JsonElement report, string output) =>
        report.GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("name").GetString() == output);

    /// <summary>One window of an output's scores (<c>windows</c>) or label-free signals (<c>predictions</c>).</summary>
    public static JsonElement Window(this JsonElement output, string window, string list = "windows") =>
        output.GetProperty(list).EnumerateArray().Single(w => w.GetProperty("window").GetString() == window);
}
