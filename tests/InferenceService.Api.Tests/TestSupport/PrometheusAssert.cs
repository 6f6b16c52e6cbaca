using System.Diagnostics;
using System.Globalization;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>Assertions every histogram of a scrape must satisfy, and scrapes over HTTP.</summary>
public static class PrometheusAssert
{
    /// <summary>GETs /metrics, checks the answer is the Prometheus text format, and parses it.</summary>
    public static async Task<PrometheusScrape> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /metrics answered {(int)response.StatusCode}: {text}");
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return PrometheusScrape.Parse(text);
    }

    /// <summary>
    /// Scrapes until <paramref name="done"/> holds, or for ten seconds at most: a request is counted just after its
    /// answer is sent, so the client can read the answer a moment before the count moves.
    /// </summary>
    public static async Task<PrometheusScrape> ScrapeWhenAsync(HttpClient client, Func<PrometheusScrape, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var scrape = await ScrapeAsync(client);
            if (done(scrape) || clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                return scrape;
            }
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// For every series of every histogram family: bucket bounds strictly increasing and ending at +Inf, counts
    /// cumulative (never decreasing), the +Inf bucket equal to _count, and one _sum.
    /// </summary>
    public static void HistogramsAreConsistent(PrometheusScrape scrape)
    {
        foreach (var family in scrape.Types.Where(t => t.Value == "histogram").Select(t => t.Key))
        {
            var counts = scrape.Find(family + "_count");
            Assert.NotEmpty(counts);
            foreach (var count in counts)
            {
                var buckets = scrape.Find(family + "_bucket", [.. count.Labels.Select(l => (l.Key, l.Value))])
                    .Where(b => b.Labels.Count == count.Labels.Count + 1)
                    .ToArray();
                var series = $"{family}{{{string.Join(",", count.Labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}}";
                Assert.True(buckets.Length >= 1, $"{series} has no buckets.");
                var bounds = buckets.Select(b => Bound(b.Label("le"))).ToArray();
                Assert.True(double.IsPositiveInfinity(bounds[^1]), $"{series}: the last bucket is le=\"{buckets[^1].Label("le")}\", not +Inf.");
                for (var i = 1; i < buckets.Length; i++)
                {
                    Assert.True(bounds[i] > bounds[i - 1], $"{series}: bucket bounds are not increasing at le=\"{buckets[i].Label("le")}\".");
                    Assert.True(buckets[i].Value >= buckets[i - 1].Value, $"{series}: buckets are not cumulative at le=\"{buckets[i].Label("le")}\".");
                }
                Assert.Equal(count.Value, buckets[^1].Value);
                Assert.Single(scrape.Find(family + "_sum", [.. count.Labels.Select(l => (l.Key, l.Value))]),
                    s => s.Labels.Count == count.Labels.Count);
            }
        }
    }

    /// <summary>The finite upper bounds of one series' buckets, in order.</summary>
    public static double[] BucketBounds(PrometheusScrape scrape, string family, params (string Name, string Value)[] labels) =>
        scrape.Find(family + "_bucket", labels).Select(b => Bound(b.Label("le"))).Where(double.IsFinite).ToArray();

    private static double Bound(string le) =>
        le == "+Inf" ? double.PositiveInfinity : double.Parse(le, NumberStyles.Float, CultureInfo.InvariantCulture);
}
