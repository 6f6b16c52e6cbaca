using System.Text.Json;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// Turns a job's JSON Lines output (or errors) into Parquet once the job ends, in row groups of a bounded size so
/// memory holds one row group. Columns: row (int64), key (string), one per output (its element type when a row's value
/// is a scalar, a list of it when a vector, its JSON text when of higher rank), name_label (string) per labelled output.
/// Written to a temporary file and renamed, so a crash mid-way leaves the JSON Lines file to convert again.
/// </summary>
internal static class ParquetResultConverter
{
    private const int RowGroupRows = 50_000;

    public static async Task ConvertOutputAsync(string jsonlPath, string parquetPath, IReadOnlyList<TensorInfo> outputs, IReadOnlyList<IReadOnlyList<string>?> labels, bool hasKey, bool stacked, CancellationToken cancellationToken)
    {
        var fields = new List<Field> { new DataField<long>("row") };
        if (hasKey)
        {
            fields.Add(new DataField<string>("key", true));
        }
        var converters = new Func<JsonElement, object?>[outputs.Count];
        for (var i = 0; i < outputs.Count; i++)
        {
            var rank = outputs[i].Shape.Count - (stacked ? 1 : 0);
            var (field, convert) = ColumnFor(outputs[i].Name, outputs[i].ElementType, rank);
            fields.Add(field);
            converters[i] = convert;
        }
        for (var i = 0; i < outputs.Count; i++)
        {
            if (labels[i] is not null)
            {
                fields.Add(new DataField<string>(outputs[i].Name + "_label", true));
            }
        }
        var schema = new ParquetSchema(fields);
        await ConvertAsync(jsonlPath, parquetPath, schema, line =>
        {
            var root = line.RootElement;
            var row = new Dictionary<string, object?> { ["row"] = root.GetProperty("row").GetInt64() };
            if (hasKey)
            {
                row["key"] = KeyText(root);
            }
            var values = root.GetProperty("outputs");
            for (var i = 0; i < outputs.Count; i++)
            {
                row[outputs[i].Name] = converters[i](values.GetProperty(outputs[i].Name));
                if (labels[i] is not null)
                {
                    row[outputs[i].Name + "_label"] = root.TryGetProperty("labels", out var l) && l.TryGetProperty(outputs[i].Name, out var label) ? label.GetString() : null;
                }
            }
            return row;
        }, cancellationToken);
    }

    public static Task ConvertErrorsAsync(string jsonlPath, string parquetPath, bool hasKey, CancellationToken cancellationToken)
    {
        var fields = new List<Field> { new DataField<long>("row") };
        if (hasKey)
        {
            fields.Add(new DataField<string>("key", true));
        }
        fields.Add(new DataField<string>("error"));
        return ConvertAsync(jsonlPath, parquetPath, new ParquetSchema(fields), line =>
        {
            var root = line.RootElement;
            var row = new Dictionary<string, object?> { ["row"] = root.GetProperty("row").GetInt64(), ["error"] = root.GetProperty("error").GetString() };
            if (hasKey)
            {
                row["key"] = KeyText(root);
            }
            return row;
        }, cancellationToken);
    }

    private static string? KeyText(JsonElement root) =>
        root.TryGetProperty("key", out var key) ? key.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => key.GetString(),
            _ => key.GetRawText(),
        } : null;

    private static (Field Field, Func<JsonElement, object?> Convert) ColumnFor(string name, TensorElementType type, int rank)
    {
        if (rank == 0)
        {
            return type switch
            {
                TensorElementType.Float or TensorElementType.Float16 or TensorElementType.BFloat16 => (new DataField<float>(name), e => Single(e)),
                TensorElementType.Double => (new DataField<double>(name), e => Double(e)),
                TensorElementType.Int8 or TensorElementType.Int16 or TensorElementType.Int32 or TensorElementType.UInt8 or TensorElementType.UInt16 => (new DataField<int>(name), e => e.GetInt32()),
                TensorElementType.Int64 or TensorElementType.UInt32 => (new DataField<long>(name), e => e.GetInt64()),
                TensorElementType.Bool => (new DataField<bool>(name), e => e.GetBoolean()),
                TensorElementType.String => (new DataField<string>(name, true), e => e.GetString()),
                _ => (new DataField<string>(name, true), e => e.GetRawText()),
            };
        }
        if (rank == 1)
        {
            return type switch
            {
                TensorElementType.Float or TensorElementType.Float16 or TensorElementType.BFloat16 => (new ListField(name, new DataField<float>("element")), e => e.EnumerateArray().Select(Single).ToArray()),
                TensorElementType.Double => (new ListField(name, new DataField<double>("element")), e => e.EnumerateArray().Select(Double).ToArray()),
                TensorElementType.Int8 or TensorElementType.Int16 or TensorElementType.Int32 or TensorElementType.UInt8 or TensorElementType.UInt16 => (new ListField(name, new DataField<int>("element")), e => e.EnumerateArray().Select(x => x.GetInt32()).ToArray()),
                TensorElementType.Int64 or TensorElementType.UInt32 => (new ListField(name, new DataField<long>("element")), e => e.EnumerateArray().Select(x => x.GetInt64()).ToArray()),
                _ => (new DataField<string>(name, true), e => e.GetRawText()),
            };
        }
        return (new DataField<string>(name, true), e => e.GetRawText());
    }

    // NaN and the infinities are written as strings in JSON ("NaN", "Infinity"): read them back as numbers.
    private static float Single(JsonElement e) => e.ValueKind == JsonValueKind.String ? float.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : e.GetSingle();

    private static double Double(JsonElement e) => e.ValueKind == JsonValueKind.String ? double.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : e.GetDouble();

    private static async Task ConvertAsync(string jsonlPath, string parquetPath, ParquetSchema schema, Func<JsonDocument, Dictionary<string, object?>> toRow, CancellationToken cancellationToken)
    {
        var temporary = parquetPath + ".tmp";
        await using (var output = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
        {
            using var input = new StreamReader(jsonlPath);
            var group = new List<IDictionary<string, object?>>(RowGroupRows);
            var written = false;
            while (true)
            {
                var line = await input.ReadLineAsync(cancellationToken);
                if (line is not null && line.Length > 0)
                {
                    using var document = JsonDocument.Parse(line);
                    group.Add(toRow(document));
                }
                if (group.Count >= RowGroupRows || (line is null && (group.Count > 0 || !written)))
                {
                    await ParquetSerializer.SerializeUntypedAsync(group, schema, output, new ParquetOptions { Append = written }, null, cancellationToken);
                    written = true;
                    group.Clear();
                }
                if (line is null)
                {
                    break;
                }
            }
            output.Flush(flushToDisk: true);
        }
        File.Move(temporary, parquetPath, overwrite: true);
    }
}
