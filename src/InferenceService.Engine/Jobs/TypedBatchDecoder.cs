using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// The fast way from dataset rows to a request: each row's cells or values parsed straight into the batch's pooled
/// input tensors, no JSON text in between. It takes the common case only: rows stack, and every input is a tensor of
/// a fixed-size type whose row is a scalar (<c>[-1]</c>) or a vector of fixed length (<c>[-1, F]</c>). Within it, the
/// rules are the real-time path's (the same element parsers through <see cref="TypedCellParser"/>, the same limits),
/// and when any row is not certain to pass (a wrong count, a value out of range, a spelling the JSON path rewrites)
/// the whole batch is given back to <see cref="RowBatchDecoder"/>, which finds the bad rows and gives each its message.
/// So the fast path changes how long a batch takes, never what it decodes to nor what a bad row is told.
/// </summary>
internal sealed class TypedBatchDecoder
{
    private readonly InferencePipeline _pipeline;
    private readonly LoadedModel _model;
    private readonly RowShaper _shaper;
    private readonly int[] _perRow;
    private readonly bool[] _vector;
    private readonly IReadOnlyList<TensorInfo> _outputs;
    private readonly int[] _outputIndices;
    private byte[] _utf8 = new byte[256];

    private TypedBatchDecoder(InferencePipeline pipeline, LoadedModel model, RowShaper shaper, int[] perRow, bool[] vector, IReadOnlyList<TensorInfo> outputs, int[] outputIndices)
    {
        _pipeline = pipeline;
        _model = model;
        _shaper = shaper;
        _perRow = perRow;
        _vector = vector;
        _outputs = outputs;
        _outputIndices = outputIndices;
    }

    /// <summary>The fast path for this model and job, or null when its inputs or outputs are not the case it takes.</summary>
    public static TypedBatchDecoder? TryCreate(InferencePipeline pipeline, LoadedModel model, RowShaper shaper, IReadOnlyList<string>? outputNames)
    {
        var inputs = model.Inputs;
        var limits = pipeline.Limits;
        if (!shaper.StacksRows || inputs.Count == 0 || inputs.Count > limits.MaxInputs || limits.MaxTensorRank < 2
            || (outputNames is { } wanted && wanted.Count > limits.MaxOutputs))
        {
            return null;
        }
        var perRow = new int[inputs.Count];
        var vector = new bool[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            if (!input.IsTensor || !TypedCellParser.Supports(input.ElementType) || input.Shape.Count is not (1 or 2) || input.Shape[0] >= 0)
            {
                return null;
            }
            vector[i] = input.Shape.Count == 2;
            if (vector[i] && input.Shape[1] is <= 0 or > int.MaxValue)
            {
                return null;
            }
            perRow[i] = vector[i] ? (int)input.Shape[1] : 1;
        }
        if (outputNames is not { Count: > 0 })
        {
            return new TypedBatchDecoder(pipeline, model, shaper, perRow, vector, model.Outputs, model.OutputPositions);
        }
        var indices = new List<int>(outputNames.Count);
        foreach (var name in outputNames)
        {
            var index = model.IndexOfOutput(name);
            if (index < 0 || indices.Contains(index))
            {
                return null; // the JSON path words the problem
            }
            indices.Add(index);
        }
        return new TypedBatchDecoder(pipeline, model, shaper, perRow, vector, [.. indices.Select(i => model.Outputs[i])], [.. indices]);
    }

    /// <summary>
    /// The request for <paramref name="rows"/> (none of them with a <see cref="RowShaper.Problem"/>), or null when a
    /// row is not certain to pass: then nothing is left rented, and the caller decodes the batch the JSON way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot for every element of a job: optimized from the first row, not after tiering
    public DecodedRequest? TryDecode(IReadOnlyList<DatasetRow> rows)
    {
        long elements = 0;
        foreach (var count in _perRow)
        {
            elements += (long)count * rows.Count;
        }
        if (rows.Count == 0 || elements > _pipeline.Limits.MaxElementsPerRequest)
        {
            return null;
        }
        if (!_model.TryEnter())
        {
            throw new InferenceException(InferenceErrorKind.ModelNotReady, $"Model '{_model.Name}' version {_model.Version} was unloaded while the request was read; retry.");
        }
        var tensors = new InputTensor[_perRow.Length];
        var group = RowsOfOneGroup(rows);
        var done = false;
        try
        {
            for (var i = 0; i < tensors.Length; i++)
            {
                var input = _model.Inputs[i];
                tensors[i] = InputTensor.Rent(input.Name, input.ElementType, _vector[i] ? [rows.Count, _perRow[i]] : [rows.Count]);
                var data = tensors[i].Data.Span;
                if (group is not null)
                {
                    if (!TryWriteColumns(group, rows[0], i, input.ElementType, data, rows.Count))
                    {
                        return null;
                    }
                    continue;
                }
                for (var r = 0; r < rows.Count; r++)
                {
                    if (!TryWriteRow(rows[r], i, input.ElementType, data, r * _perRow[i]))
                    {
                        return null;
                    }
                }
            }
            done = true;
            return new DecodedRequest(_model, tensors, _model.Config.MaxBatchSize > 0 ? rows.Count : 1, _outputs, _outputIndices);
        }
        finally
        {
            if (!done)
            {
                foreach (var tensor in tensors)
                {
                    tensor?.Dispose();
                }
                _model.Exit();
            }
        }
    }

    /// <summary>The row group the rows are consecutive rows of, when they are (a Parquet batch within one row group); else null.</summary>
    private static ParquetColumnGroup? RowsOfOneGroup(IReadOnlyList<DatasetRow> rows)
    {
        if (rows[0].Columns is not { } group)
        {
            return null;
        }
        var first = rows[0].Position;
        for (var r = 1; r < rows.Count; r++)
        {
            if (!ReferenceEquals(rows[r].Columns, group) || rows[r].Position != first + r)
            {
                return null;
            }
        }
        return group;
    }

    /// <summary>
    /// Input <paramref name="input"/> of <paramref name="count"/> consecutive rows of one row group, a column at a
    /// time: the same values <see cref="TryWriteRow"/> writes row by row, without the per-value dispatch.
    /// </summary>
    private bool TryWriteColumns(ParquetColumnGroup group, DatasetRow first, int input, TensorElementType type, Span<byte> data, int count)
    {
        var layout = _shaper.LayoutOf(first);
        var source = layout.Sources[input];
        if (source == RowShaper.AllButKeySource)
        {
            if (AllButKeyFeatures(layout, input) is not { } features)
            {
                return false;
            }
            for (var j = 0; j < features.Length; j++)
            {
                if (!group.TryWriteColumn(features[j], first.Position, count, type, data, j, features.Length))
                {
                    return false;
                }
            }
            return true;
        }
        // A column for a scalar input; a vector input from one column needs a list column, which is not read this way.
        return source >= 0 && !_vector[input] && group.TryWriteColumn(source, first.Position, count, type, data, 0, 1);
    }

    /// <summary>The columns of an input that takes every column but the key, each one element of its row's vector; null when their count is not the input's.</summary>
    private int[]? AllButKeyFeatures(RowLayout layout, int input) =>
        _vector[input] && layout.Features.Length == _perRow[input] ? layout.Features : null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot for every element of a job: optimized from the first row, not after tiering
    private bool TryWriteRow(DatasetRow row, int input, TensorElementType type, Span<byte> data, int first)
    {
        var layout = _shaper.LayoutOf(row);
        var source = layout.Sources[input];
        if (source == RowShaper.AllButKeySource)
        {
            if (AllButKeyFeatures(layout, input) is not { } features)
            {
                return false;
            }
            if (row.HasCellBytes && type == TensorElementType.Float)
            {
                return TryWriteSingleCells(row, features, data, first);
            }
            for (var j = 0; j < features.Length; j++)
            {
                if (!TryWriteScalar(row, features[j], type, data, first + j))
                {
                    return false;
                }
            }
            return true;
        }
        if (source < 0)
        {
            return false;
        }
        if (!_vector[input])
        {
            return TryWriteScalar(row, source, type, data, first);
        }
        // A vector from one value: a JSON array (JSON Lines, a Parquet list); a CSV cell never holds one as JSON.
        var value = row.HasCellBytes ? default : row.ValueAt(source);
        return value.IsJson && TryWriteArray(Utf8(value.Text), type, data, first, _perRow[input]);
    }

    /// <summary>
    /// A CSV row's feature cells as FP32 (the common job: a feature vector of floats): each read in one pass, and any cell
    /// that is not plainly a float checked as <see cref="TypedCellParser.TryWriteCell"/> would; the same bits, without a
    /// dispatch a cell.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot for every element of a job: optimized from the first row, not after tiering
    private static bool TryWriteSingleCells(DatasetRow row, int[] columns, Span<byte> data, int first)
    {
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data).Slice(first, columns.Length);
        for (var j = 0; j < columns.Length; j++)
        {
            var cell = row.CellBytes(columns[j]);
            if (!FastFloatText.TryParseSingle(cell, out values[j]) && !TypedCellParser.TryWriteCheckedCell(cell, TensorElementType.Float, data, first + j))
            {
                return false;
            }
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot for every element of a job: optimized from the first row, not after tiering
    private bool TryWriteScalar(DatasetRow row, int column, TensorElementType type, Span<byte> data, int index)
    {
        if (row.HasCellBytes)
        {
            return TypedCellParser.TryWriteCell(row.CellBytes(column), type, data, index);
        }
        if (row.Columns is { } columns)
        {
            return columns.TryWrite(column, row.Position, type, data, index);
        }
        var value = row.ValueAt(column);
        var text = Utf8(value.Text);
        return value.IsJson
            ? TypedCellParser.TryWriteJsonScalar(text, type, data, index)
            : TypedCellParser.TryWriteCell(text, type, data, index);
    }

    private static bool TryWriteArray(ReadOnlySpan<byte> json, TensorElementType type, Span<byte> data, int first, int length)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }
            var count = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (count == length || reader.HasValueSequence)
                {
                    return false;
                }
                var written = reader.TokenType switch
                {
                    JsonTokenType.Number => TypedCellParser.TryWriteNumber(reader.ValueSpan, type, data, first + count),
                    JsonTokenType.True or JsonTokenType.False when type == TensorElementType.Bool => TypedCellParser.TryWriteJsonScalar(reader.ValueSpan, type, data, first + count),
                    _ => false,
                };
                if (!written)
                {
                    return false;
                }
                count++;
            }
            return reader.TokenType == JsonTokenType.EndArray && count == length && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A value's text as UTF-8, in a buffer reused from row to row (the decoder runs on one thread).</summary>
    private ReadOnlySpan<byte> Utf8(string text)
    {
        var most = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (most > _utf8.Length)
        {
            _utf8 = new byte[Math.Max(most, _utf8.Length * 2)];
        }
        return _utf8.AsSpan(0, Encoding.UTF8.GetBytes(text, _utf8));
    }
}
