using System.Buffers.Binary;
using System.Text;

namespace InferenceService.Engine.Accuracy.Redis;

/// <summary>
/// A kept prediction as bytes: whether it was scored ('1' or '0', the byte the claim flips), when it was made and, per output, its name, rows, size and what was kept of it (classes
/// or numbers). Read back against the reading replica's own trackers of the model version, by output name; an output
/// the version no longer has is left out.
/// </summary>
internal static class PredictionCodec
{
    private const byte FormatVersion = 1;
    private const byte NothingKept = 0;
    private const byte ClassesKept = 1;
    private const byte ValuesKept = 2;

    /// <summary>The length of <paramref name="prediction"/>'s encoding, for <see cref="Encode(Prediction, Span{byte})"/>.</summary>
    public static int EncodedLength(Prediction prediction)
    {
        var length = 1 + 1 + 8 + 4;
        foreach (var output in prediction.Outputs)
        {
            var name = Encoding.UTF8.GetByteCount(output.Output.Name);
            length += LengthPrefixSize(name) + name + 4 + 8 + 1;
            if (output.Classes is { } classes)
            {
                length += 4 + (8 * classes.Length);
            }
            else if (output.Values is { } values)
            {
                length += 4 + (8 * values.Length);
            }
        }
        return length;
    }

    /// <summary>
    /// Writes the encoding into <paramref name="destination"/>, exactly <see cref="EncodedLength"/> bytes long: the
    /// writer encodes a whole batch into one buffer, so a kept prediction costs no allocation of its own.
    /// </summary>
    public static void Encode(Prediction prediction, Span<byte> destination)
    {
        destination[0] = prediction.IsScored ? (byte)'1' : (byte)'0';
        destination[1] = FormatVersion;
        BinaryPrimitives.WriteInt64LittleEndian(destination[2..], prediction.MadeAt.UtcTicks);
        BinaryPrimitives.WriteInt32LittleEndian(destination[10..], prediction.Outputs.Count);
        var at = 14;
        foreach (var output in prediction.Outputs)
        {
            var name = Encoding.UTF8.GetByteCount(output.Output.Name);
            at += WriteLengthPrefix(destination[at..], name);
            at += Encoding.UTF8.GetBytes(output.Output.Name, destination[at..]);
            BinaryPrimitives.WriteInt32LittleEndian(destination[at..], output.Rows);
            BinaryPrimitives.WriteInt64LittleEndian(destination[(at + 4)..], output.ValueCount);
            at += 12;
            if (output.Classes is { } classes)
            {
                destination[at] = ClassesKept;
                BinaryPrimitives.WriteInt32LittleEndian(destination[(at + 1)..], classes.Length);
                at += 5;
                foreach (var value in classes)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(destination[at..], value);
                    at += 8;
                }
            }
            else if (output.Values is { } values)
            {
                destination[at] = ValuesKept;
                BinaryPrimitives.WriteInt32LittleEndian(destination[(at + 1)..], values.Length);
                at += 5;
                foreach (var value in values)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(destination[at..], value);
                    at += 8;
                }
            }
            else
            {
                destination[at++] = NothingKept;
            }
        }
    }

    /// <summary>The encoding as an array of its own.</summary>
    public static byte[] Encode(Prediction prediction)
    {
        var data = new byte[EncodedLength(prediction)];
        Encode(prediction, data);
        return data;
    }

    /// <summary>The prediction, or null when the bytes are not one this codec wrote.</summary>
    public static Prediction? Decode(PredictionKey key, byte[] data, ModelAccuracy model)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(data, writable: false));
            var scored = reader.ReadByte() == (byte)'1';
            if (reader.ReadByte() != FormatVersion)
            {
                return null;
            }
            var madeAt = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
            var count = reader.ReadInt32();
            var outputs = new List<OutputPrediction>(count);
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                var rows = reader.ReadInt32();
                var valueCount = reader.ReadInt64();
                long[]? classes = null;
                double[]? values = null;
                switch (reader.ReadByte())
                {
                    case ClassesKept:
                        classes = new long[reader.ReadInt32()];
                        for (var c = 0; c < classes.Length; c++)
                        {
                            classes[c] = reader.ReadInt64();
                        }
                        break;
                    case ValuesKept:
                        values = new double[reader.ReadInt32()];
                        for (var v = 0; v < values.Length; v++)
                        {
                            values[v] = reader.ReadDouble();
                        }
                        break;
                }
                if (model.Find(name) is { } tracker && (classes is null || tracker.Kind.IsClassification()) && (values is null || tracker.Kind == ScoredOutputKind.Numeric))
                {
                    outputs.Add(new OutputPrediction(tracker, rows, valueCount, classes, values));
                }
            }
            return new Prediction(key, madeAt, outputs) { IsScored = scored };
        }
        catch (EndOfStreamException)
        {
            return null;
        }
    }

    /// <summary>The size of a string's length prefix: seven bits a byte, as <see cref="BinaryReader.ReadString"/> reads it.</summary>
    private static int LengthPrefixSize(int length)
    {
        var size = 1;
        while ((length >>= 7) != 0)
        {
            size++;
        }
        return size;
    }

    private static int WriteLengthPrefix(Span<byte> destination, int length)
    {
        var at = 0;
        var value = (uint)length;
        while (value >= 0x80)
        {
            destination[at++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[at++] = (byte)value;
        return at;
    }
}
