using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using InferenceService.Engine.Tensors;
using Microsoft.ML.OnnxRuntime.Tensors;
using Parquet;
using Parquet.Schema;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// One row group of a flat Parquet file (every column a scalar of a number, boolean or string type), held as the
/// typed arrays Parquet.Net reads the columns into: a row is a position in them, and the typed path copies a value
/// straight into a tensor element, with no object per value and no JSON text in between. Where the copy could differ
/// from what the JSON path would decode (a null, NaN, a float that its JSON text would round differently, a type the
/// copy does not take), <see cref="TryWrite"/> says no and the batch takes the JSON path, which reads
/// <see cref="ValueAt"/>: the same text the row-by-row reader makes. Files with list, map or struct columns are read
/// that way throughout.
/// </summary>
internal sealed class ParquetColumnGroup
{
    private readonly Array[] _values;
    private readonly bool[]?[] _nulls;

    // Each column's element type, tested once: in a type test the runtime lets a byte[] pass for an sbyte[] (and a
    // uint[] for an int[]), so the arrays themselves cannot say.
    private readonly Kind[] _kinds;

    private enum Kind { Other, Single, Double, Int64, Int32, Int16, Int8, UInt8, UInt16, UInt32, Bool }

    private ParquetColumnGroup(Array[] values, bool[]?[] nulls, int rows)
    {
        _values = values;
        _nulls = nulls;
        _kinds = [.. values.Select(v => KindOf(v.GetType().GetElementType()!))];
        Rows = rows;
    }

    private static Kind KindOf(Type type) =>
        type == typeof(float) ? Kind.Single : type == typeof(double) ? Kind.Double : type == typeof(long) ? Kind.Int64
        : type == typeof(int) ? Kind.Int32 : type == typeof(short) ? Kind.Int16 : type == typeof(sbyte) ? Kind.Int8
        : type == typeof(byte) ? Kind.UInt8 : type == typeof(ushort) ? Kind.UInt16 : type == typeof(uint) ? Kind.UInt32
        : type == typeof(bool) ? Kind.Bool : Kind.Other;

    public int Rows { get; }

    /// <summary>Whether every column of <paramref name="schema"/> is one this class reads.</summary>
    public static bool Takes(ParquetSchema schema) =>
        schema.Fields.All(f => f is DataField { IsArray: false, MaxRepetitionLevel: 0 } data && IsTaken(data.ClrType));

    // Parquet.Net reports a string column's type as ReadOnlyMemory<char> when it reads a file's schema.
    private static bool IsText(Type type) => type == typeof(string) || type == typeof(ReadOnlyMemory<char>);

    private static bool IsTaken(Type type) => IsText(type) || type == typeof(ulong) || KindOf(type) != Kind.Other;

    /// <summary>Reads every column of one row group (the schema must be one <see cref="Takes"/>).</summary>
    public static async Task<ParquetColumnGroup> ReadAsync(ParquetRowGroupReader group, DataField[] fields, CancellationToken cancellationToken)
    {
        var rows = checked((int)group.RowCount);
        var values = new Array[fields.Length];
        var nulls = new bool[]?[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            var field = fields[i];
            (values[i], nulls[i]) = field.ClrType switch
            {
                var t when IsText(t) => await ReadStringsAsync(group, field, rows, cancellationToken),
                var t when t == typeof(float) => await ReadAsync<float>(group, field, rows, cancellationToken),
                var t when t == typeof(double) => await ReadAsync<double>(group, field, rows, cancellationToken),
                var t when t == typeof(bool) => await ReadAsync<bool>(group, field, rows, cancellationToken),
                var t when t == typeof(sbyte) => await ReadAsync<sbyte>(group, field, rows, cancellationToken),
                var t when t == typeof(byte) => await ReadAsync<byte>(group, field, rows, cancellationToken),
                var t when t == typeof(short) => await ReadAsync<short>(group, field, rows, cancellationToken),
                var t when t == typeof(ushort) => await ReadAsync<ushort>(group, field, rows, cancellationToken),
                var t when t == typeof(int) => await ReadAsync<int>(group, field, rows, cancellationToken),
                var t when t == typeof(uint) => await ReadAsync<uint>(group, field, rows, cancellationToken),
                var t when t == typeof(long) => await ReadAsync<long>(group, field, rows, cancellationToken),
                _ => await ReadAsync<ulong>(group, field, rows, cancellationToken),
            };
        }
        return new ParquetColumnGroup(values, nulls, rows);
    }

    private static async Task<(Array, bool[]?)> ReadAsync<T>(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
        where T : struct
    {
        if (!field.IsNullable)
        {
            var values = new T[rows];
            await group.ReadAsync<T>(field, values, null, cancellationToken);
            return (values, null);
        }
        var read = new T?[rows];
        await group.ReadAsync<T>(field, read, null, cancellationToken);
        var plain = new T[rows];
        var nulls = new bool[rows];
        for (var r = 0; r < rows; r++)
        {
            nulls[r] = !read[r].HasValue;
            plain[r] = read[r].GetValueOrDefault();
        }
        return (plain, nulls);
    }

    private static async Task<(Array, bool[]?)> ReadStringsAsync(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
    {
        var values = new string[rows];
        await group.ReadAsync(field, values, null, cancellationToken);
        return (values, null);
    }

    /// <summary>The value of <paramref name="column"/> in row <paramref name="row"/> as JSON text, as the row-by-row reader writes it.</summary>
    public DatasetValue ValueAt(int column, int row) =>
        DatasetValue.Json(ParquetDatasetReader.ToJson(_nulls[column] is { } nulls && nulls[row] ? null : _values[column].GetValue(row)));

    /// <summary>
    /// The value of <paramref name="column"/> in row <paramref name="row"/> as element <paramref name="index"/> of
    /// <paramref name="destination"/>, when that is exactly what its JSON text would decode to; false otherwise.
    /// </summary>
    public bool TryWrite(int column, int row, TensorElementType type, Span<byte> destination, int index)
    {
        if (_nulls[column] is { } nulls && nulls[row])
        {
            return false;
        }
        var values = _values[column];
        return _kinds[column] switch
        {
            Kind.Single => WriteSingle(((float[])values)[row], type, destination, index),
            Kind.Double => WriteDouble(((double[])values)[row], type, destination, index),
            Kind.Int64 => WriteInteger(((long[])values)[row], type, destination, index),
            Kind.Int32 => WriteInteger(((int[])values)[row], type, destination, index),
            Kind.Int16 => WriteInteger(((short[])values)[row], type, destination, index),
            Kind.Int8 => WriteInteger(((sbyte[])values)[row], type, destination, index),
            Kind.UInt8 => WriteInteger(((byte[])values)[row], type, destination, index),
            Kind.UInt16 => WriteInteger(((ushort[])values)[row], type, destination, index),
            Kind.UInt32 => WriteInteger(((uint[])values)[row], type, destination, index),
            Kind.Bool => type == TensorElementType.Bool && Put(destination, index, ((bool[])values)[row] ? (byte)1 : (byte)0),
            _ => false, // strings, and ulong (whose JSON text the integer check reads as another type past long's range)
        };
    }

    /// <summary>
    /// Rows <paramref name="row"/> to <paramref name="row"/> + <paramref name="count"/> - 1 of <paramref name="column"/>
    /// as elements <paramref name="first"/>, <paramref name="first"/> + <paramref name="stride"/>, ... (one row's
    /// element in each stride), exactly as <see cref="TryWrite"/> writes each; false as soon as one would be false. The
    /// common case, a float column into a float input, is one tight loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot for every element of a job: optimized from the first row, not after tiering
    public bool TryWriteColumn(int column, int row, int count, TensorElementType type, Span<byte> destination, int first, int stride)
    {
        if (_kinds[column] == Kind.Single && type == TensorElementType.Float && _nulls[column] is null)
        {
            var source = ((float[])_values[column]).AsSpan(row, count);
            var target = MemoryMarshal.Cast<byte, float>(destination);
            for (var r = 0; r < source.Length; r++)
            {
                var value = source[r];
                if (!float.IsFinite(value))
                {
                    return false;
                }
                target[first + (r * stride)] = value;
            }
            return true;
        }
        for (var r = 0; r < count; r++)
        {
            if (!TryWrite(column, row + r, type, destination, first + (r * stride)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A float column: its JSON text is the float's shortest round-trip form, which reads back as the same float.</summary>
    private static bool WriteSingle(float value, TensorElementType type, Span<byte> destination, int index) =>
        type == TensorElementType.Float && float.IsFinite(value) && Put(destination, index, value);

    /// <summary>
    /// A double column: its text reads back as the same double; as a float, it rounds as the JSON decoder's fast path
    /// rounds that text (<see cref="FastFloatText.TryNarrow"/>), and the cases that path leaves to the general parser
    /// (a double halfway between two floats, one outside the normal range) go to the JSON path.
    /// </summary>
    private static bool WriteDouble(double value, TensorElementType type, Span<byte> destination, int index) =>
        double.IsFinite(value) && type switch
        {
            TensorElementType.Double => Put(destination, index, value),
            TensorElementType.Float => FastFloatText.TryNarrow(value, out var single) && Put(destination, index, single),
            _ => false,
        };

    /// <summary>An integer column: its text is the integer, which an integer element takes within its range and a float or double rounds to nearest, as a conversion does.</summary>
    private static bool WriteInteger(long value, TensorElementType type, Span<byte> destination, int index) => type switch
    {
        TensorElementType.Float => Put(destination, index, (float)value),
        TensorElementType.Double => Put(destination, index, (double)value),
        TensorElementType.Int8 => value is >= sbyte.MinValue and <= sbyte.MaxValue && Put(destination, index, (sbyte)value),
        TensorElementType.Int16 => value is >= short.MinValue and <= short.MaxValue && Put(destination, index, (short)value),
        TensorElementType.Int32 => value is >= int.MinValue and <= int.MaxValue && Put(destination, index, (int)value),
        TensorElementType.Int64 => Put(destination, index, value),
        TensorElementType.UInt8 => value is >= 0 and <= byte.MaxValue && Put(destination, index, (byte)value),
        TensorElementType.UInt16 => value is >= 0 and <= ushort.MaxValue && Put(destination, index, (ushort)value),
        TensorElementType.UInt32 => value is >= 0 and <= uint.MaxValue && Put(destination, index, (uint)value),
        TensorElementType.UInt64 => value >= 0 && Put(destination, index, (ulong)value),
        _ => false, // float16, bfloat16 (their rounding of the text is their own), bool (takes true and false only)
    };

    private static bool Put<T>(Span<byte> destination, int index, T value) where T : unmanaged => TypedCellParser.Put(destination, index, value);
}
