using System.Text;

namespace InferenceService.Engine.Tests.TestSupport;

/// <summary>
/// Writes small ONNX models byte by byte (protobuf by hand), so tests can make what no exporter would: an
/// initializer whose external data points anywhere, in the graph or in a subgraph.
/// </summary>
public static class OnnxModelWriter
{
    /// <summary>
    /// y = Identity(w), where w is a float initializer of <paramref name="count"/> elements stored as external data at
    /// <paramref name="location"/>; <paramref name="inSubgraph"/> puts the initializer in an If node's branch instead.
    /// </summary>
    public static byte[] IdentityOfExternalInitializer(string location, int count = 3, bool inSubgraph = false)
    {
        var tensor = Concat(
            Varint(1, (ulong)count),                      // dims
            Varint(2, 1),                                 // data_type FLOAT
            String(8, "w"),                               // name
            Message(13, Concat(String(1, "location"), String(2, location))),
            Message(13, Concat(String(1, "offset"), String(2, "0"))),
            Message(13, Concat(String(1, "length"), String(2, (count * 4).ToString(System.Globalization.CultureInfo.InvariantCulture)))),
            Varint(14, 1));                               // data_location EXTERNAL
        var output = Message(12, Concat(String(1, "y"), Message(2, Message(1, Concat(Varint(1, 1), Message(2, Message(1, Varint(1, (ulong)count))))))));
        var identity = Message(1, Concat(String(1, "w"), String(2, "y"), String(4, "Identity")));
        byte[] graph;
        if (inSubgraph)
        {
            // The initializer sits in the then-branch of an attribute graph: a checker must look inside nodes.
            var branch = Concat(identity, String(2, "then"), Message(5, tensor), output);
            var attribute = Message(5, Concat(String(1, "then_branch"), Message(6, branch), Varint(20, 5)));
            graph = Concat(Message(1, Concat(String(1, "c"), String(2, "y"), String(4, "If"), attribute)), String(2, "g"), output);
        }
        else
        {
            graph = Concat(identity, String(2, "g"), Message(5, tensor), output);
        }
        return Concat(
            Varint(1, 8),                                            // ir_version
            Message(8, Concat(String(1, ""), Varint(2, 13))),        // opset_import: default domain, 13
            Message(7, graph));
    }

    /// <summary>The external data file of <see cref="IdentityOfExternalInitializer"/>: the floats 1, 2, 3, …</summary>
    public static byte[] Floats(int count) => Enumerable.Range(1, count).SelectMany(i => BitConverter.GetBytes((float)i)).ToArray();

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static byte[] Varint(int field, ulong value) => Concat(Number(((ulong)field << 3) | 0), Number(value));

    private static byte[] String(int field, string value) => Message(field, Encoding.UTF8.GetBytes(value));

    private static byte[] Message(int field, byte[] body) => Concat(Number(((ulong)field << 3) | 2), Number((ulong)body.Length), body);

    private static byte[] Number(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }
}
