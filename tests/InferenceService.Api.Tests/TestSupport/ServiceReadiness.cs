using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>Polls the service until it reaches a state, instead of sleeping for a guessed time.</summary>
public static class ServiceReadiness
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits until <c>GET /v2/health/ready</c> answers 200.</summary>
    public static Task WaitUntilReadyAsync(HttpClient client, TimeSpan? timeout = null) =>
        WaitForStatusAsync(client, "/v2/health/ready", HttpStatusCode.OK, timeout);

    /// <summary>Waits until <c>GET <paramref name="path"/></c> answers <paramref name="expected"/>.</summary>
    public static async Task WaitForStatusAsync(HttpClient client, string path, HttpStatusCode expected, TimeSpan? timeout = null)
    {
        var last = "no answer";
        await PollAsync(timeout, async () =>
        {
            try
            {
                using var response = await client.GetAsync(path);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                return response.StatusCode == expected;
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
                return false;
            }
        }, () => $"GET {path} did not answer {(int)expected}; the last answer was: {last}");
    }

    /// <summary>
    /// Waits until <c>POST /v2/repository/index</c> lists at least <paramref name="entries"/> model versions and none
    /// of them is still loading (the first pass lists every model before it loads any).
    /// </summary>
    public static async Task WaitUntilLoadedAsync(HttpClient client, int entries, TimeSpan? timeout = null)
    {
        var last = "no answer";
        await PollAsync(timeout, async () =>
        {
            using var response = await client.PostAsync("/v2/repository/index", null);
            last = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }
            using var index = JsonDocument.Parse(last);
            return index.RootElement.GetArrayLength() >= entries
                && index.RootElement.EnumerateArray().All(e => e.GetProperty("state").GetString() != "LOADING");
        }, () => $"the repository did not finish loading; the last index was: {last}");
    }

    private static async Task PollAsync(TimeSpan? timeout, Func<Task<bool>> done, Func<string> describe)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeout;
        while (!await done())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"After {limit.TotalSeconds:F0} s, {describe()}");
            }
            await Task.Delay(s_interval);
        }
    }
}
