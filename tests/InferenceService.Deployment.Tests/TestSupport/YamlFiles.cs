using YamlDotNet.RepresentationModel;

namespace InferenceService.Deployment.Tests.TestSupport;

/// <summary>YAML files of the repository read with YamlDotNet's node model, and small helpers to walk them.</summary>
internal static class YamlFiles
{
    /// <summary>Every document of a (possibly multi-document) file; a syntax error fails the test with YamlDotNet's position.</summary>
    public static IReadOnlyList<YamlNode> Load(string relative)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(RepositoryFiles.ReadText(relative)));
        return stream.Documents.Select(d => d.RootNode).ToArray();
    }

    public static YamlNode LoadSingle(string relative) => Assert.Single(Load(relative));

    /// <summary>The Kubernetes object of <paramref name="kind"/> in a file.</summary>
    public static YamlNode Object(string relative, string kind) =>
        Assert.Single(Load(relative), d => d.Get("kind").Text() == kind);

    public static YamlNode? Get(this YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    /// <summary>The value at a '.'-separated path of keys; fails the test naming the path when a key is missing.</summary>
    public static YamlNode At(this YamlNode node, string path)
    {
        var current = node;
        foreach (var key in path.Split('.'))
        {
            current = current.Get(key) ?? throw new KeyNotFoundException($"No '{path}' (missing '{key}') in {Describe(node)}.");
        }
        return current;
    }

    public static string? Text(this YamlNode? node) => (node as YamlScalarNode)?.Value;

    public static string TextAt(this YamlNode node, string path) =>
        node.At(path).Text() ?? throw new InvalidOperationException($"'{path}' is not a scalar in {Describe(node)}.");

    public static int IntAt(this YamlNode node, string path) => int.Parse(node.TextAt(path), System.Globalization.CultureInfo.InvariantCulture);

    public static IReadOnlyList<YamlNode> Items(this YamlNode? node) => node is YamlSequenceNode sequence ? sequence.Children.ToArray() : [];

    public static IReadOnlyDictionary<string, string> Strings(this YamlNode? node) =>
        node is YamlMappingNode map
            ? map.Children.ToDictionary(c => c.Key.Text() ?? "", c => c.Value.Text() ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>();

    /// <summary>The node and every node under it, depth first.</summary>
    public static IEnumerable<YamlNode> DescendantsAndSelf(this YamlNode node) => node.AllNodes;

    /// <summary>Every mapping under the node that has <paramref name="key"/>, e.g. every "httpGet".</summary>
    public static IEnumerable<YamlNode> MappingsWith(this YamlNode node, string key) =>
        node.AllNodes.OfType<YamlMappingNode>().Select(m => m.Get(key)).OfType<YamlNode>();

    private static string Describe(YamlNode node) => node.Get("kind").Text() is { } kind ? $"the {kind}" : $"the node at {node.Start}";
}
