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

    public static byte[] Encode(Prediction prediction)
    {
        using var buffer = new MemoryStream(64 + (prediction.Outputs.Count * 32) + prediction.Outputs.Sum(o => 8 * ((o.Classes?.Length ?? 0) + (o.Values?.Length ?? 0))));
        using (var writer = new BinaryWriter(buffer))
        {
            writer.Write(prediction.IsScored ? (byte)'1' : (byte)'0');
            writer.Write(FormatVersion);
            writer.Write(prediction.MadeAt.UtcTicks);
            writer.Write(prediction.Outputs.Count);
            foreach (var output in prediction.Outputs)
            {
                writer.Write(output.Output.Name);
                writer.Write(output.Rows);
                writer.Write(output.ValueCount);
                if (output.Classes is { } classes)
                {
                    writer.Write(ClassesKept);
                    writer.Write(classes.Length);
                    foreach (var value in classes)
                    {
                        writer.Write(value);
                    }
                }
                else if (output.Values is { } values)
                {
                    writer.Write(ValuesKept);
                    writer.Write(values.Length);
                    foreach (var value in values)
                    {
                        writer.Write(value);
                    }
                }
                else
                {
                    writer.Write(NothingKept);
                }
            }
        }
        return buffer.ToArray();
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
}
