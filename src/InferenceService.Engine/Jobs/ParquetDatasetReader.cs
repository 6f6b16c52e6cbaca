using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// A Parquet file, read one row group at a time (Parquet.Net), so memory holds one row group, never the file. Scalar
/// columns become JSON numbers, strings or booleans; list columns become JSON arrays. A flat file (scalar columns of
/// numbers, booleans and strings, the common case of a large dataset) is read column by column into typed arrays
/// (<see cref="ParquetColumnGroup"/>), which the typed path copies from; any other is read row by row as objects.
/// </summary>
internal sealed class ParquetDatasetReader(Stream stream, RowRange range) : IDatasetReader
{
    private ParquetReader? _reader;
    private DataField[]? _flatFields;
    private ParquetColumnGroup? _columns;
    private List<Dictionary<string, object?>>? _group;
    private string[] _names = [];
    private int _groupIndex = -1;
    private int _inGroup;
    private long _groupStart;
    private long _next;
    private int _groupCount = -1;
    private long[] _groupRows = [];
    private bool _done;

    public async ValueTask<DatasetRow?> ReadAsync(CancellationToken cancellationToken)
    {
        if (_groupCount < 0)
        {
            _groupRows = await RowGroupSizesAsync(stream, cancellationToken);
            _groupCount = _groupRows.Length;
        }
        while (true)
        {
            if (_done || range.IsPast(_next))
            {
                return null;
            }
            if (_inGroup >= (_columns?.Rows ?? _group?.Count ?? 0))
            {
                if (!await NextGroupAsync(cancellationToken))
                {
                    return null;
                }
                continue;
            }
            var index = _next++;
            var position = _inGroup++;
            if (!range.Contains(index))
            {
                continue;
            }
            if (_columns is { } columns)
            {
                return new DatasetRow(index, _names, columns, position);
            }
            var values = _group![position];
            var cells = new DatasetValue[_names.Length];
            for (var i = 0; i < _names.Length; i++)
            {
                cells[i] = DatasetValue.Json(ToJson(values.GetValueOrDefault(_names[i])));
            }
            return new DatasetRow(index, _names, cells);
        }
    }

    /// <summary>Moves to the next row group, skipping without reading any that lies wholly outside the range.</summary>
    private async Task<bool> NextGroupAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            _groupIndex++;
            if (_groupIndex >= _groupCount || (range.End is { } end && _groupStart >= end))
            {
                _group = null;
                _columns = null;
                _done = true;
                return false;
            }
            var start = _groupStart;
            _groupStart += _groupRows[_groupIndex];
            if (start + _groupRows[_groupIndex] <= range.Start)
            {
                continue;
            }
            _inGroup = 0;
            _next = start;
            if (await FlatFieldsAsync(cancellationToken) is { } fields)
            {
                using var group = _reader!.OpenRowGroupReader(_groupIndex);
                _columns = await ParquetColumnGroup.ReadAsync(group, fields, cancellationToken);
                if (_names.Length != fields.Length)
                {
                    _names = [.. fields.Select(f => f.Name)]; // once: the rows of every group share it (see RowShaper.LayoutOf)
                }
                return true;
            }
            stream.Position = 0;
            var result = await ParquetSerializer.DeserializeUntypedAsync(stream, null, _groupIndex, cancellationToken);
            _names = [.. result.Schema.Fields.Select(f => f.Name)];
            _group = [.. result.Data.Select(row => row.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal))];
            return true;
        }
    }

    /// <summary>The file's columns when it is flat (see <see cref="ParquetColumnGroup.Takes"/>), else null; the reader stays open for the flat case.</summary>
    private async Task<DataField[]?> FlatFieldsAsync(CancellationToken cancellationToken)
    {
        if (_reader is null && _flatFields is null)
        {
            var reader = await ParquetReader.CreateAsync(stream, null, leaveStreamOpen: true, cancellationToken);
            if (ParquetColumnGroup.Takes(reader.Schema))
            {
                _reader = reader;
                _flatFields = reader.Schema.GetDataFields();
            }
            else
            {
                await reader.DisposeAsync();
                _flatFields = [];
            }
        }
        return _flatFields is { Length: > 0 } fields ? fields : null;
    }

    /// <summary>The rows of each row group, from the footer alone.</summary>
    public static async Task<long[]> RowGroupSizesAsync(Stream stream, CancellationToken cancellationToken)
    {
        stream.Position = 0;
        await using var reader = await ParquetReader.CreateAsync(stream, null, leaveStreamOpen: true, cancellationToken);
        var sizes = new long[reader.RowGroupCount];
        for (var i = 0; i < sizes.Length; i++)
        {
            using var group = reader.OpenRowGroupReader(i);
            sizes[i] = group.RowCount;
        }
        return sizes;
    }

    /// <summary>A Parquet value (a scalar, or a list of them) as JSON text.</summary>
    internal static string ToJson(object? value)
    {
        var buffer = new ArrayBufferWriter<byte>(32);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, value);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(s); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case float f when float.IsFinite(f): writer.WriteNumberValue(f); break;
            case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
            case float f: writer.WriteStringValue(float.IsNaN(f) ? "NaN" : f > 0 ? "Infinity" : "-Infinity"); break;
            case double d: writer.WriteStringValue(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity"); break;
            case sbyte n: writer.WriteNumberValue(n); break;
            case byte n: writer.WriteNumberValue(n); break;
            case short n: writer.WriteNumberValue(n); break;
            case ushort n: writer.WriteNumberValue(n); break;
            case int n: writer.WriteNumberValue(n); break;
            case uint n: writer.WriteNumberValue(n); break;
            case long n: writer.WriteNumberValue(n); break;
            case ulong n: writer.WriteNumberValue(n); break;
            case decimal n: writer.WriteNumberValue(n); break;
            case Half h: writer.WriteNumberValue((float)h); break;
            case DateTime t: writer.WriteStringValue(t.ToString("O", CultureInfo.InvariantCulture)); break;
            case DateTimeOffset t: writer.WriteStringValue(t.ToString("O", CultureInfo.InvariantCulture)); break;
            case byte[] bytes: writer.WriteBase64StringValue(bytes); break;
            case IDictionary map:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in map)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                    Write(writer, entry.Value);
                }
                writer.WriteEndObject();
                break;
            case IEnumerable list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    Write(writer, item);
                }
                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_reader is not null)
        {
            await _reader.DisposeAsync();
        }
        await stream.DisposeAsync();
    }
}
