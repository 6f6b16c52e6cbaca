using System.Net;
using System.Text.Json;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>Requests the lifecycle tests send: an infer of the identity models, the repository routes, and reading the index.</summary>
public static class LifecycleRequests
{
    /// <summary>The answer of one infer: its status, and when 200 the version that answered and whether its output is its input.</summary>
    public readonly record struct IdentityAnswer(HttpStatusCode Status, string? Version, bool Whole, string Body);

    /// <summary>Infers <c>[a, b, c]</c> on an identity_float model and checks the answer is its input, whole.</summary>
    public static async Task<IdentityAnswer> InferIdentityAsync(HttpClient client, string model, float seed)
    {
        var data = new[] { seed, seed + 1, seed + 2 };
        using var response = await client.PostJsonTextAsync($"/v2/models/{model}/infer",
            $$"""{ "inputs": [{ "name": "x", "datatype": "FP32", "shape": [1, 3], "data": [{{string.Join(", ", data.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}}] }] }""");
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new IdentityAnswer(response.StatusCode, null, false, body);
        }
        using var document = JsonDocument.Parse(body);
        var output = document.RootElement.GetProperty("outputs")[0];
        var whole = output.GetProperty("name").GetString() == "y"
            && output.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).SequenceEqual(data);
        return new IdentityAnswer(response.StatusCode, document.RootElement.GetProperty("model_version").GetString(), whole, body);
    }

    public static Task<HttpResponseMessage> LoadAsync(HttpClient client, string model, string? body = null) =>
        client.PostJsonTextAsync($"/v2/repository/models/{model}/load", body ?? "{}");

    public static Task<HttpResponseMessage> UnloadAsync(HttpClient client, string model) =>
        client.PostJsonTextAsync($"/v2/repository/models/{model}/unload", "{}");

    /// <summary>The index as (name, version, state) rows, and the raw entries.</summary>
    public static async Task<JsonElement[]> IndexAsync(HttpClient client, bool readyOnly = false)
    {
        using var response = await client.PostJsonTextAsync("/v2/repository/index", readyOnly ? """{ "ready": true }""" : "{}");
        var index = await ResponseAssert.JsonAsync(response, HttpStatusCode.OK);
        return [.. index.EnumerateArray()];
    }

    public static async Task<string> StateAsync(HttpClient client, string model, string version) =>
        (await IndexAsync(client)).Where(e => e.GetProperty("name").GetString() == model && e.GetProperty("version").GetString() == version)
            .Select(e => e.GetProperty("state").GetString()!).SingleOrDefault() ?? "ABSENT";

    public static string ConfigParameter(string json) => JsonSerializer.Serialize(json);
}
