using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>Assertions on the service's answers: statuses, error body forms, and that nothing internal leaks.</summary>
public static partial class ResponseAssert
{
    /// <summary>Asserts the status and reads the body as JSON.</summary>
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// Asserts an Open Inference Protocol error: the status, a body that is exactly <c>{"error": "…"}</c>, a message
    /// holding every fragment, and no internals. Returns the message.
    /// </summary>
    public static async Task<string> ProtocolErrorAsync(HttpResponseMessage response, HttpStatusCode expected, params string[] fragments)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        var properties = document.RootElement.EnumerateObject().ToArray();
        Assert.True(properties is [{ Name: "error", Value.ValueKind: JsonValueKind.String }], $"Not an {{\"error\"}} body: {body}");
        var message = properties[0].Value.GetString()!;
        AssertMessage(message, fragments);
        NoInternals(body);
        return message;
    }

    /// <summary>
    /// Asserts an RFC 9457 ProblemDetails answer: the status (in the header and the body), a <c>detail</c> holding
    /// every fragment, and no internals. Returns the detail.
    /// </summary>
    public static async Task<string> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected, params string[] fragments)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        Assert.Equal((int)expected, root.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("title").GetString()));
        Assert.True(root.TryGetProperty("detail", out var detail), $"No \"detail\" in {body}");
        var message = detail.GetString()!;
        AssertMessage(message, fragments);
        NoInternals(body);
        return message;
    }

    /// <summary>
    /// Asserts that a body carries no stack trace, no .NET type name and no file-system path: not the test's
    /// temporary folders, not the source tree, not the binaries' folder.
    /// </summary>
    public static void NoInternals(string body)
    {
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetTempPath().TrimEnd('/'), body, StringComparison.Ordinal);
        Assert.DoesNotContain(TestPaths.RepositoryRoot, body, StringComparison.Ordinal);
        Assert.DoesNotContain(AppContext.BaseDirectory.TrimEnd('/'), body, StringComparison.Ordinal);
        Assert.DoesNotContain("inference-api-tests-", body, StringComparison.Ordinal);
    }

    /// <summary>Asserts that a client-facing message names no "/"-rooted path (route-like text such as /predict included).</summary>
    public static void NoRootedPath(string message) =>
        Assert.False(RootedPath().IsMatch(message), $"The message names a rooted path: {message}");

    private static void AssertMessage(string message, string[] fragments)
    {
        Assert.False(string.IsNullOrWhiteSpace(message));
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, message, StringComparison.Ordinal);
        }
        NoRootedPath(message);
        NoInternals(message);
    }

    [GeneratedRegex(@"(^|[\s'""(\[:=,])/[\w.-]")]
    private static partial Regex RootedPath();
}
