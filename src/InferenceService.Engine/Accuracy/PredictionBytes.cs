using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace InferenceService.Engine.Accuracy;

/// <summary>
/// A kept prediction's id and outputs as the <see cref="PredictionStore"/> packs them: a flag byte (whether the id is
/// ASCII, then one byte a character, else two), the id's length and characters; then per output its rows, element
/// count, how its values were kept and the values. Numbers are packed as narrow as they go without loss: classes as
/// 32-bit integers when they fit, numbers read from a float tensor (every one a float's exact value) as floats.
/// </summary>
internal static class PredictionBytes
{
    private const byte AsciiId = 1;
    private const int IdStart = 3;

    private enum Kept : byte
    {
        Nothing,
        Classes64,
        Classes32,
        Values64,
        Values32,
    }

    public static int SizeOf(Prediction prediction)
    {
        var id = prediction.Key.Id;
        var size = IdStart + (Ascii.IsValid(id) ? id.Length : 2 * id.Length);
        // Indexed rather than enumerated: an enumerator of the interface would be an allocation per answer.
        var outputs = prediction.Outputs;
        for (var o = 0; o < outputs.Count; o++)
        {
            var output = outputs[o];
            size += 4 + 8 + 1;
            var (kept, count) = KeptOf(output);
            size += kept switch
            {
                Kept.Nothing => 0,
                Kept.Classes32 or Kept.Values32 => 4 + (4 * count),
                _ => 4 + (8 * count),
            };
        }
        return size;
    }

    public static void Write(Prediction prediction, Span<byte> destination)
    {
        var id = prediction.Key.Id;
        var ascii = Ascii.IsValid(id);
        destination[0] = ascii ? AsciiId : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[1..], (ushort)id.Length);
        var at = IdStart;
        if (ascii)
        {
            Ascii.FromUtf16(id, destination.Slice(at, id.Length), out _);
            at += id.Length;
        }
        else
        {
            MemoryMarshal.AsBytes(id.AsSpan()).CopyTo(destination[at..]);
            at += 2 * id.Length;
        }
        var outputs = prediction.Outputs;
        for (var o = 0; o < outputs.Count; o++)
        {
            var output = outputs[o];
            BinaryPrimitives.WriteInt32LittleEndian(destination[at..], output.Rows);
            BinaryPrimitives.WriteInt64LittleEndian(destination[(at + 4)..], output.ValueCount);
            var (kept, count) = KeptOf(output);
            destination[at + 12] = (byte)kept;
            at += 13;
            if (kept == Kept.Nothing)
            {
                continue;
            }
            BinaryPrimitives.WriteInt32LittleEndian(destination[at..], count);
            at += 4;
            for (var i = 0; i < count; i++)
            {
                switch (kept)
                {
                    case Kept.Classes64:
                        BinaryPrimitives.WriteInt64LittleEndian(destination[at..], output.Classes![i]);
                        at += 8;
                        break;
                    case Kept.Classes32:
                        BinaryPrimitives.WriteInt32LittleEndian(destination[at..], (int)output.Classes![i]);
                        at += 4;
                        break;
                    case Kept.Values64:
                        BinaryPrimitives.WriteDoubleLittleEndian(destination[at..], output.Values![i]);
                        at += 8;
                        break;
                    default:
                        BinaryPrimitives.WriteSingleLittleEndian(destination[at..], (float)output.Values![i]);
                        at += 4;
                        break;
                }
            }
        }
    }

    /// <summary>Whether the packed prediction <paramref name="packed"/> is kept under <paramref name="id"/>.</summary>
    public static bool HasId(ReadOnlySpan<byte> packed, string id)
    {
        if (BinaryPrimitives.ReadUInt16LittleEndian(packed[1..]) != id.Length)
        {
            return false;
        }
        return (packed[0] & AsciiId) != 0
            ? Ascii.Equals(packed.Slice(IdStart, id.Length), id)
            : packed.Slice(IdStart, 2 * id.Length).SequenceEqual(MemoryMarshal.AsBytes(id.AsSpan()));
    }

    /// <summary>The outputs packed in <paramref name="packed"/>, bound to <paramref name="trackers"/> in the order they were kept.</summary>
    public static OutputPrediction[] Read(OutputTracker[] trackers, ReadOnlySpan<byte> packed)
    {
        var idLength = BinaryPrimitives.ReadUInt16LittleEndian(packed[1..]);
        var at = IdStart + ((packed[0] & AsciiId) != 0 ? idLength : 2 * idLength);
        var outputs = new OutputPrediction[trackers.Length];
        for (var o = 0; o < outputs.Length; o++)
        {
            var rows = BinaryPrimitives.ReadInt32LittleEndian(packed[at..]);
            var valueCount = BinaryPrimitives.ReadInt64LittleEndian(packed[(at + 4)..]);
            var kept = (Kept)packed[at + 12];
            at += 13;
            long[]? classes = null;
            double[]? values = null;
            if (kept != Kept.Nothing)
            {
                var count = BinaryPrimitives.ReadInt32LittleEndian(packed[at..]);
                at += 4;
                if (kept is Kept.Classes64 or Kept.Classes32)
                {
                    classes = new long[count];
                }
                else
                {
                    values = new double[count];
                }
                for (var i = 0; i < count; i++)
                {
                    switch (kept)
                    {
                        case Kept.Classes64:
                            classes![i] = BinaryPrimitives.ReadInt64LittleEndian(packed[at..]);
                            at += 8;
                            break;
                        case Kept.Classes32:
                            classes![i] = BinaryPrimitives.ReadInt32LittleEndian(packed[at..]);
                            at += 4;
                            break;
                        case Kept.Values64:
                            values![i] = BinaryPrimitives.ReadDoubleLittleEndian(packed[at..]);
                            at += 8;
                            break;
                        default:
                            values![i] = BinaryPrimitives.ReadSingleLittleEndian(packed[at..]);
                            at += 4;
                            break;
                    }
                }
            }
            outputs[o] = new OutputPrediction(trackers[o], rows, valueCount, classes, values);
        }
        return outputs;
    }

    private static (Kept Kept, int Count) KeptOf(OutputPrediction output)
    {
        if (output.Classes is { } classes)
        {
            foreach (var c in classes)
            {
                if (c is < int.MinValue or > int.MaxValue)
                {
                    return (Kept.Classes64, classes.Length);
                }
            }
            return (Kept.Classes32, classes.Length);
        }
        if (output.Values is { } values)
        {
            foreach (var v in values)
            {
                // NaN compares unequal to itself; a float keeps it (its payload does not matter to scoring).
                if ((double)(float)v != v && !double.IsNaN(v))
                {
                    return (Kept.Values64, values.Length);
                }
            }
            return (Kept.Values32, values.Length);
        }
        return (Kept.Nothing, 0);
    }
}
