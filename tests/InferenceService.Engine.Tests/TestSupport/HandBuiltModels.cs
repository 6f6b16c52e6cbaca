using System.Text;

namespace InferenceService.Engine.Tests.TestSupport;

/// <summary>
/// ONNX models written byte by byte (the protobuf wire format of onnx.ModelProto, a few fields of it), for cases the
/// generated test models do not cover and that need no onnx package to build.
/// </summary>
public static class HandBuiltModels
{
    /// <summary>
    /// <c>y = Pad(x, [0, 2, 0, 2], mode=reflect)</c> over <c>x</c> float <c>[1, n]</c>: fine for n of 3 or more, refused by
    /// ONNX Runtime for n = 1 (a reflection needs more than the pad's width), which is what a warm-up that sets every
    /// dynamic dimension to 1 feeds it.
    /// </summary>
    public static byte[] ReflectPad()
    {
        var attribute = Message(Text(1, "mode"), Bytes(4, Encoding.UTF8.GetBytes("reflect")), Varint(20, 3));
        var node = Message(Text(1, "x"), Text(1, "pads"), Text(2, "y"), Text(4, "Pad"), Field(5, attribute));
        var pads = Message(Varint(1, 4), Varint(2, 7), Field(7, Packed(0, 2, 0, 2)), Text(8, "pads"));
        var input = Message(Text(1, "x"), Field(2, Message(Field(1, Message(Varint(1, 1),
            Field(2, Message(Field(1, Message(Varint(1, 1))), Field(1, Message(Text(2, "n"))))))))));
        var output = Message(Text(1, "y"), Field(2, Message(Field(1, Message(Varint(1, 1))))));
        var graph = Message(Field(1, node), Text(2, "reflect_pad"), Field(5, pads), Field(11, input), Field(12, output));
        return Message(Varint(1, 7), Field(7, graph), Field(8, Message(Varint(2, 13))));
    }

    private static byte[] Message(params byte[][] fields) => [.. fields.SelectMany(f => f)];

    private static byte[] Varint(int field, long value) => [.. VarintBytes((ulong)(field << 3)), .. VarintBytes((ulong)value)];

    private static byte[] Field(int field, byte[] payload) => [.. VarintBytes((ulong)((field << 3) | 2)), .. VarintBytes((ulong)payload.Length), .. payload];

    private static byte[] Bytes(int field, byte[] payload) => Field(field, payload);

    private static byte[] Text(int field, string text) => Field(field, Encoding.UTF8.GetBytes(text));

    private static byte[] Packed(params long[] values) => [.. values.SelectMany(v => VarintBytes((ulong)v))];

    private static byte[] VarintBytes(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var next = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? next : (byte)(next | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }
}
