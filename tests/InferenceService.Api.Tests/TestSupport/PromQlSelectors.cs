using System.Text;
using System.Text.RegularExpressions;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>One label matcher of a selector: <c>outcome="success"</c> is ("outcome", "=", "success").</summary>
public sealed record PromQlMatcher(string Label, string Operator, string Value)
{
    /// <summary>
    /// Whether the value is fixed text. A Grafana variable (<c>$model</c>, <c>${model}</c>, <c>[[model]]</c>) is
    /// replaced at query time, so it says nothing about what the service must export.
    /// </summary>
    public bool IsLiteral => !Value.Contains('$', StringComparison.Ordinal) && !Value.Contains("[[", StringComparison.Ordinal);
}

/// <summary>
/// One series selector of a query: the metric it names, its label matchers, and the labels of every
/// <c>by (…)</c> grouping that aggregates it.
/// </summary>
public sealed record PromQlSelector(string Metric, IReadOnlyList<PromQlMatcher> Matchers, IReadOnlyList<string> GroupingLabels)
{
    public override string ToString() =>
        $"{Metric}{{{string.Join(", ", Matchers.Select(m => $"{m.Label}{m.Operator}\"{m.Value}\""))}}} by ({string.Join(", ", GroupingLabels)})";
}

/// <summary>
/// Finds the series a PromQL expression selects, for checking a dashboard against a scrape. Not a PromQL parser: a
/// tokenizer and one pass over the tokens that knows the forms the dashboard uses:
/// <list type="bullet">
/// <item><c>name{label op "value", …}</c>, optionally followed by a range <c>[…]</c>: a selector with matchers;</item>
/// <item>a bare <c>name</c> that is not a keyword, an aggregation or a function (a name followed by <c>(</c>): a selector without matchers;</item>
/// <item><c>agg by (labels) (argument)</c> and <c>agg without (labels) (argument)</c>: the labels are needed by every selector inside the argument;</item>
/// <item><c>on (…)</c>, <c>ignoring (…)</c>, <c>group_left (…)</c>, <c>group_right (…)</c>: vector matching, skipped;</item>
/// <item>numbers, strings outside matchers, operators and ranges (<c>[$__rate_interval]</c>): skipped.</item>
/// </list>
/// What it does not know (the postfix <c>sum (…) by (…)</c>, <c>offset</c>, <c>@</c>, <c>{__name__=…}</c>, a Grafana
/// variable outside a string or range) throws <see cref="NotSupportedException"/>, so a query it cannot read fails the test instead of passing unread.
/// </summary>
public static partial class PromQlSelectors
{
    private static readonly HashSet<string> s_aggregations =
        ["sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"];

    private static readonly HashSet<string> s_vectorMatching = ["on", "ignoring", "group_left", "group_right"];

    // Set operators, the bool modifier and the float literals that look like names.
    private static readonly HashSet<string> s_keywords = new(StringComparer.OrdinalIgnoreCase) { "and", "or", "unless", "bool", "inf", "nan" };

    private enum Kind
    {
        Name,
        Number,
        Text,
        Operator,
        Punctuation,
    }

    private readonly record struct Token(Kind Kind, string Value)
    {
        public bool Is(string punctuation) => Kind == Kind.Punctuation && Value == punctuation;
    }

    /// <summary>The selectors of a PromQL expression, in the order they appear.</summary>
    public static IReadOnlyList<PromQlSelector> Extract(string expression)
    {
        var tokens = Tokenize(expression);
        var selectors = new List<PromQlSelector>();
        // One entry per open parenthesis: the grouping labels it brings (empty for a call or a plain parenthesis).
        var groupings = new Stack<IReadOnlyList<string>>();
        IReadOnlyList<string>? pendingGrouping = null;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var next = i + 1 < tokens.Count ? tokens[i + 1] : default;
            if (token.Is("("))
            {
                groupings.Push(pendingGrouping ?? []);
                pendingGrouping = null;
                continue;
            }
            if (pendingGrouping is not null)
            {
                throw new NotSupportedException($"\"{expression}\": a by/without clause must be followed by the aggregation's argument in parentheses.");
            }
            if (token.Is(")"))
            {
                if (groupings.Count == 0)
                {
                    throw new NotSupportedException($"\"{expression}\": unbalanced parentheses.");
                }
                groupings.Pop();
                if (next.Kind == Kind.Name && next.Value is "by" or "without")
                {
                    throw new NotSupportedException($"\"{expression}\": write the grouping before the argument (sum by (…) (…)).");
                }
                continue;
            }
            if (token.Is("{"))
            {
                throw new NotSupportedException($"\"{expression}\": a selector without a metric name ({{__name__=…}}) is not supported.");
            }
            if (token.Kind != Kind.Name)
            {
                continue; // numbers, strings, operators, commas
            }
            var name = token.Value;
            if (name is "by" or "without")
            {
                (pendingGrouping, i) = ReadLabelList(tokens, i + 1, expression);
                continue;
            }
            if (s_vectorMatching.Contains(name))
            {
                if (next.Is("("))
                {
                    (_, i) = ReadLabelList(tokens, i + 1, expression);
                }
                continue;
            }
            if (name == "offset")
            {
                throw new NotSupportedException($"\"{expression}\": offset is not supported.");
            }
            if (s_aggregations.Contains(name) || s_keywords.Contains(name) || next.Is("("))
            {
                continue; // an aggregation, a keyword or a function call; its parenthesis comes next
            }
            var matchers = new List<PromQlMatcher>();
            if (next.Is("{"))
            {
                i = ReadMatchers(tokens, i + 2, matchers, expression);
            }
            var labels = groupings.SelectMany(g => g).Distinct(StringComparer.Ordinal).ToArray();
            selectors.Add(new PromQlSelector(name, matchers, labels));
        }
        if (groupings.Count != 0)
        {
            throw new NotSupportedException($"\"{expression}\": unbalanced parentheses.");
        }
        return selectors;
    }

    /// <summary>
    /// The selectors of a Grafana template query <c>label_values(selector, label)</c>: the variable's values are the
    /// label's values on that series, so the label is needed as if grouped by.
    /// </summary>
    public static IReadOnlyList<PromQlSelector> ExtractTemplateQuery(string query)
    {
        var match = LabelValuesPattern().Match(query);
        if (!match.Success)
        {
            throw new NotSupportedException($"\"{query}\": only label_values(selector, label) template queries are supported.");
        }
        var label = match.Groups["label"].Value;
        return [.. Extract(match.Groups["selector"].Value).Select(s => s with { GroupingLabels = [.. s.GroupingLabels, label] })];
    }

    /// <summary>Reads <c>(a, b, …)</c> starting at <paramref name="open"/>; returns the labels and the index of <c>)</c>.</summary>
    private static (IReadOnlyList<string> Labels, int Close) ReadLabelList(List<Token> tokens, int open, string expression)
    {
        if (open >= tokens.Count || !tokens[open].Is("("))
        {
            throw new NotSupportedException($"\"{expression}\": a label list must be in parentheses.");
        }
        var labels = new List<string>();
        for (var i = open + 1; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.Is(")"))
            {
                return (labels, i);
            }
            if (token.Kind == Kind.Name)
            {
                labels.Add(token.Value);
            }
            else if (!token.Is(","))
            {
                throw new NotSupportedException($"\"{expression}\": unexpected \"{token.Value}\" in a label list.");
            }
        }
        throw new NotSupportedException($"\"{expression}\": a label list is not closed.");
    }

    /// <summary>Reads <c>label op "value", …}</c> starting after <c>{</c>; returns the index of <c>}</c>.</summary>
    private static int ReadMatchers(List<Token> tokens, int start, List<PromQlMatcher> matchers, string expression)
    {
        var i = start;
        while (i < tokens.Count && !tokens[i].Is("}"))
        {
            if (i + 2 >= tokens.Count || tokens[i].Kind != Kind.Name || tokens[i + 1].Kind != Kind.Operator
                || tokens[i + 1].Value is not ("=" or "!=" or "=~" or "!~") || tokens[i + 2].Kind != Kind.Text)
            {
                throw new NotSupportedException($"\"{expression}\": a label matcher is not name op \"value\".");
            }
            matchers.Add(new PromQlMatcher(tokens[i].Value, tokens[i + 1].Value, tokens[i + 2].Value));
            i += 3;
            if (i < tokens.Count && tokens[i].Is(","))
            {
                i++;
            }
        }
        return i < tokens.Count ? i : throw new NotSupportedException($"\"{expression}\": a selector's braces are not closed.");
    }

    private static List<Token> Tokenize(string expression)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < expression.Length)
        {
            var c = expression[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (char.IsAsciiLetter(c) || c is '_' or ':')
            {
                var start = i;
                while (i < expression.Length && (char.IsAsciiLetterOrDigit(expression[i]) || expression[i] is '_' or ':'))
                {
                    i++;
                }
                tokens.Add(new Token(Kind.Name, expression[start..i]));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < expression.Length && char.IsAsciiDigit(expression[i + 1])))
            {
                var start = i;
                while (i < expression.Length && (char.IsAsciiLetterOrDigit(expression[i]) || expression[i] == '.'))
                {
                    i++;
                }
                tokens.Add(new Token(Kind.Number, expression[start..i]));
            }
            else if (c is '"' or '\'' or '`')
            {
                (var text, i) = ReadString(expression, i);
                tokens.Add(new Token(Kind.Text, text));
            }
            else if (c == '[')
            {
                // A range or subquery, [5m] or [$__rate_interval]: nothing in it names a series or a label.
                var close = expression.IndexOf(']', i);
                i = close >= 0 ? close + 1 : throw new NotSupportedException($"\"{expression}\": a range is not closed.");
            }
            else if (c is '(' or ')' or '{' or '}' or ',')
            {
                tokens.Add(new Token(Kind.Punctuation, c.ToString()));
                i++;
            }
            else if ("=!~<>+-*/%^".Contains(c, StringComparison.Ordinal))
            {
                var start = i;
                while (i < expression.Length && "=!~<>+-*/%^".Contains(expression[i], StringComparison.Ordinal))
                {
                    i++;
                }
                tokens.Add(new Token(Kind.Operator, expression[start..i]));
            }
            else if (c == '@')
            {
                throw new NotSupportedException($"\"{expression}\": the @ modifier is not supported.");
            }
            else
            {
                throw new NotSupportedException($"\"{expression}\": unexpected '{c}' at {i} (a Grafana variable outside a string or range?).");
            }
        }
        return tokens;
    }

    /// <summary>A quoted string from its opening quote: its unescaped text and the index after the closing quote.</summary>
    private static (string Text, int Next) ReadString(string expression, int open)
    {
        var quote = expression[open];
        var text = new StringBuilder();
        for (var i = open + 1; i < expression.Length; i++)
        {
            var c = expression[i];
            if (c == quote)
            {
                return (text.ToString(), i + 1);
            }
            if (c == '\\' && quote != '`' && i + 1 < expression.Length)
            {
                i++;
                c = expression[i];
            }
            text.Append(c);
        }
        throw new NotSupportedException($"\"{expression}\": a string is not closed.");
    }

    [GeneratedRegex(@"^\s*label_values\(\s*(?<selector>.+?)\s*,\s*(?<label>[A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$")]
    private static partial Regex LabelValuesPattern();
}
