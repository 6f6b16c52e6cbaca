using System.Text;
using System.Text.Json;

namespace InferenceService.Deployment.Tests.TestSupport;

/// <summary>One instruction, its continuation lines joined: <c>ENV A=1 \ B=2</c> is keyword ENV, arguments "A=1 B=2".</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, int Line);

/// <summary>A build stage: <c>FROM &lt;base&gt; AS &lt;name&gt;</c> and the instructions up to the next FROM.</summary>
internal sealed record DockerStage(string Name, string Base, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<string> All(string keyword) =>
        Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);

    public string? Last(string keyword) => All(keyword).LastOrDefault();

    /// <summary>The ENV variables this stage sets (a later one wins).</summary>
    public IReadOnlyDictionary<string, string> Env => Pairs("ENV");

    public IReadOnlyDictionary<string, string> Labels => Pairs("LABEL");

    /// <summary>HEALTHCHECK's options (--interval=30s, ...) and its exec-form command.</summary>
    public (IReadOnlyDictionary<string, string> Options, string[] Command) HealthCheck
    {
        get
        {
            var arguments = Last("HEALTHCHECK") ?? throw new KeyNotFoundException($"Stage {Name} has no HEALTHCHECK.");
            var cmd = arguments.IndexOf("CMD ", StringComparison.Ordinal);
            Assert.True(cmd >= 0, $"HEALTHCHECK of {Name} has no CMD.");
            var options = arguments[..cmd].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(o => o.TrimStart('-').Split('=', 2))
                .ToDictionary(o => o[0], o => o.Length > 1 ? o[1] : "", StringComparer.Ordinal);
            return (options, DockerfileModel.ExecForm(arguments[(cmd + 4)..]));
        }
    }

    /// <summary>ARG names and defaults declared in this stage.</summary>
    public IReadOnlyDictionary<string, string?> Args => DockerfileModel.ArgsOf(All("ARG"));

    private Dictionary<string, string> Pairs(string keyword)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var arguments in All(keyword))
        {
            foreach (var (key, value) in DockerfileModel.KeyValues(arguments))
            {
                pairs[key] = value;
            }
        }
        return pairs;
    }
}

/// <summary>A Dockerfile read the way the builder reads it, for what the tests compare with the app.</summary>
internal sealed class DockerfileModel
{
    private DockerfileModel(IReadOnlyList<DockerInstruction> globalArgs, IReadOnlyList<DockerStage> stages)
    {
        GlobalArgs = ArgsOf(globalArgs.Select(a => a.Arguments));
        Stages = stages;
    }

    /// <summary>The ARGs before the first FROM, usable in FROM lines.</summary>
    public IReadOnlyDictionary<string, string?> GlobalArgs { get; }

    public IReadOnlyList<DockerStage> Stages { get; }

    public DockerStage Stage(string name) =>
        Stages.SingleOrDefault(s => s.Name == name) ?? throw new KeyNotFoundException($"The Dockerfile has no stage '{name}'.");

    public static DockerfileModel Load() => Parse(RepositoryFiles.ReadText("Dockerfile"));

    public static DockerfileModel Parse(string text)
    {
        var instructions = Instructions(text);
        var globalArgs = instructions.TakeWhile(i => i.Keyword != "FROM").Where(i => i.Keyword == "ARG").ToArray();
        var stages = new List<DockerStage>();
        foreach (var from in instructions.Where(i => i.Keyword == "FROM"))
        {
            var words = from.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToArray();
            var name = words.Length == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : $"stage{stages.Count}";
            var body = instructions.SkipWhile(i => i != from).Skip(1).TakeWhile(i => i.Keyword != "FROM").ToArray();
            stages.Add(new DockerStage(name, words[0], body));
        }
        return new DockerfileModel(globalArgs, stages);
    }

    /// <summary>The exec form of CMD, ENTRYPOINT or HEALTHCHECK's CMD: a JSON array of strings.</summary>
    public static string[] ExecForm(string arguments)
    {
        Assert.StartsWith("[", arguments.Trim());
        return JsonSerializer.Deserialize<string[]>(arguments) ?? [];
    }

    /// <summary><c>KEY=VALUE</c> pairs (values may be double-quoted), as ENV and LABEL write them.</summary>
    public static IEnumerable<(string Key, string Value)> KeyValues(string arguments)
    {
        foreach (var token in Tokens(arguments))
        {
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            Assert.True(equals > 0, $"'{token}' is not KEY=VALUE (write ENV and LABEL in that form).");
            yield return (token[..equals], token[(equals + 1)..]);
        }
    }

    internal static IReadOnlyDictionary<string, string?> ArgsOf(IEnumerable<string> argInstructions)
    {
        var args = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var token in argInstructions.SelectMany(Tokens))
        {
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            args[equals < 0 ? token : token[..equals]] = equals < 0 ? null : token[(equals + 1)..];
        }
        return args;
    }

    private static List<DockerInstruction> Instructions(string text)
    {
        var result = new List<DockerInstruction>();
        var current = new StringBuilder();
        var start = 0;
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith('#') || (line.Length == 0 && current.Length == 0))
            {
                continue; // Comments, also between continuation lines, are dropped by the builder too.
            }
            if (current.Length == 0)
            {
                start = i + 1;
            }
            var continues = line.EndsWith('\\');
            current.Append(continues ? line[..^1] : line).Append(' ');
            if (!continues)
            {
                var joined = current.ToString().Trim();
                current.Clear();
                var space = joined.IndexOf(' ', StringComparison.Ordinal);
                result.Add(new DockerInstruction(joined[..space].ToUpperInvariant(), joined[(space + 1)..].Trim(), start));
            }
        }
        return result;
    }

    private static IEnumerable<string> Tokens(string arguments)
    {
        var token = new StringBuilder();
        var quoted = false;
        foreach (var c in arguments + " ")
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (token.Length > 0)
                {
                    yield return token.ToString();
                    token.Clear();
                }
            }
            else
            {
                token.Append(c);
            }
        }
    }
}
