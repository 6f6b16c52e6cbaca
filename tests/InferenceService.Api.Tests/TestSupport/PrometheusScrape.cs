using System.Globalization;
using System.Text;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>One sample line of a scrape: the series name, its labels and its value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out var value) ? value : "";
}

/// <summary>
/// A strict reader of the Prometheus text exposition format (0.0.4), for asserting on <c>GET /metrics</c>: it throws
/// <see cref="FormatException"/> on anything Prometheus would refuse (a malformed line, a bad name, a bad escape, a
/// TYPE given twice, a family's samples not together, a sample with no TYPE before it), so parsing is itself a check.
/// </summary>
public sealed class PrometheusScrape
{
    private static readonly HashSet<string> s_types = ["counter", "gauge", "histogram", "summary", "untyped"];

    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _help = new(StringComparer.Ordinal);
    private readonly List<PrometheusSample> _samples = [];

    private PrometheusScrape()
    {
    }

    /// <summary>The TYPE of each metric family, by family name.</summary>
    public IReadOnlyDictionary<string, string> Types => _types;

    /// <summary>The HELP text of each family that has one, unescaped.</summary>
    public IReadOnlyDictionary<string, string> Help => _help;

    public IReadOnlyList<PrometheusSample> Samples => _samples;

    public static PrometheusScrape Parse(string text)
    {
        var scrape = new PrometheusScrape();
        var finished = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }
            try
            {
                if (line.StartsWith('#'))
                {
                    scrape.ReadComment(line, finished, ref current);
                }
                else
                {
                    var sample = ReadSample(line);
                    var family = FamilyOf(sample.Name, scrape._types);
                    if (family is null || family != current)
                    {
                        throw new FormatException($"sample {sample.Name} is not under its family's TYPE line.");
                    }
                    scrape._samples.Add(sample);
                }
            }
            catch (FormatException e)
            {
                throw new FormatException($"Line {lineNumber} \"{line}\": {e.Message}", e);
            }
        }
        if (!text.EndsWith('\n') && text.Length > 0)
        {
            throw new FormatException("The last line does not end with a line feed.");
        }
        return scrape;
    }

    /// <summary>The samples of a series name whose labels include every given name and value.</summary>
    public IReadOnlyList<PrometheusSample> Find(string name, params (string Name, string Value)[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).ToArray();

    /// <summary>The value of the one sample that matches; fails when none or several do.</summary>
    public double Value(string name, params (string Name, string Value)[] labels)
    {
        var found = Find(name, labels);
        Assert.True(found.Count == 1,
            $"Expected one {name}{{{string.Join(",", labels.Select(l => $"{l.Name}=\"{l.Value}\""))}}}, found {found.Count}.");
        return found[0].Value;
    }

    /// <summary>The sum of every matching sample (0 when none matches).</summary>
    public double Sum(string name, params (string Name, string Value)[] labels) => Find(name, labels).Sum(s => s.Value);

    private void ReadComment(string line, HashSet<string> finished, ref string? current)
    {
        var parts = line.Split(' ', 4);
        if (parts.Length < 3 || parts[0] != "#" || parts[1] is not ("HELP" or "TYPE"))
        {
            return; // Any other comment is allowed and means nothing.
        }
        var name = parts[2];
        CheckMetricName(name);
        if (name != current)
        {
            if (current is not null)
            {
                finished.Add(current);
            }
            if (finished.Contains(name))
            {
                throw new FormatException($"family {name} appears in two places.");
            }
            current = name;
        }
        var rest = parts.Length == 4 ? parts[3] : "";
        if (parts[1] == "HELP")
        {
            if (!_help.TryAdd(name, Unescape(rest, allowQuote: false)))
            {
                throw new FormatException($"HELP for {name} is given twice.");
            }
        }
        else
        {
            if (!s_types.Contains(rest))
            {
                throw new FormatException($"unknown TYPE \"{rest}\".");
            }
            if (!_types.TryAdd(name, rest))
            {
                throw new FormatException($"TYPE for {name} is given twice.");
            }
        }
    }

    private static string? FamilyOf(string series, Dictionary<string, string> types)
    {
        if (types.ContainsKey(series))
        {
            return series;
        }
        foreach (var suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (series.EndsWith(suffix, StringComparison.Ordinal))
            {
                var family = series[..^suffix.Length];
                if (types.TryGetValue(family, out var type) && type is "histogram" or "summary")
                {
                    return family;
                }
            }
        }
        return null;
    }

    private static PrometheusSample ReadSample(string line)
    {
        var position = 0;
        while (position < line.Length && line[position] is not ('{' or ' '))
        {
            position++;
        }
        var name = line[..position];
        CheckMetricName(name);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position = ReadLabels(line, position + 1, labels);
        }
        if (position >= line.Length || line[position] != ' ')
        {
            throw new FormatException("no space before the value.");
        }
        var fields = line[(position + 1)..].Split(' ');
        if (fields.Length is < 1 or > 2)
        {
            throw new FormatException("expected a value and an optional timestamp.");
        }
        if (fields.Length == 2 && !long.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw new FormatException($"bad timestamp \"{fields[1]}\".");
        }
        return new PrometheusSample(name, labels, ParseValue(fields[0]));
    }

    private static int ReadLabels(string line, int position, Dictionary<string, string> labels)
    {
        while (true)
        {
            if (position < line.Length && line[position] == '}')
            {
                return position + 1;
            }
            var equals = line.IndexOf('=', position);
            if (equals < 0 || equals + 1 >= line.Length || line[equals + 1] != '"')
            {
                throw new FormatException("a label is not name=\"value\".");
            }
            var name = line[position..equals];
            CheckLabelName(name);
            var value = new StringBuilder();
            var i = equals + 2;
            for (; i < line.Length && line[i] != '"'; i++)
            {
                if (line[i] == '\\')
                {
                    i++;
                    value.Append(i < line.Length ? line[i] switch
                    {
                        '\\' => '\\',
                        '"' => '"',
                        'n' => '\n',
                        _ => throw new FormatException($"bad escape \\{line[i]} in label {name}."),
                    } : throw new FormatException("a label value ends in a backslash."));
                }
                else
                {
                    value.Append(line[i]);
                }
            }
            if (i >= line.Length)
            {
                throw new FormatException($"label {name}'s value is not closed.");
            }
            if (!labels.TryAdd(name, value.ToString()))
            {
                throw new FormatException($"label {name} is given twice.");
            }
            position = i + 1;
            if (position < line.Length && line[position] == ',')
            {
                position++;
            }
            else if (position >= line.Length || line[position] != '}')
            {
                throw new FormatException("labels are not separated by commas.");
            }
        }
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw new FormatException($"bad value \"{text}\"."),
    };

    private static string Unescape(string text, bool allowQuote)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                result.Append(text[i]);
                continue;
            }
            i++;
            result.Append(i < text.Length ? text[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                '"' when allowQuote => '"',
                _ => throw new FormatException($"bad escape \\{text[i]}."),
            } : throw new FormatException("text ends in a backslash."));
        }
        return result.ToString();
    }

    private static void CheckMetricName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':'))
        {
            throw new FormatException($"\"{name}\" is not a metric name.");
        }
    }

    private static void CheckLabelName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new FormatException($"\"{name}\" is not a label name.");
        }
    }
}
