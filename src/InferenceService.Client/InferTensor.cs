using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace InferenceService.Client;

/// <summary>
/// A named tensor, an input of a request or an output of a result: its datatype, shape and elements. Fixed-size
/// elements are held as their raw little-endian bytes (the layout of the binary extension and gRPC's raw contents),
/// so a tensor made from an array or a span is copied once and read back as a span without conversion; BYTES elements
/// are held one byte array each.
/// </summary>
public sealed class InferTensor
{
    private readonly byte[] _data;
    private readonly byte[][]? _elements;
    private readonly long[] _shape;

    private InferTensor(string name, TensorDatatype datatype, long[] shape, byte[] data, byte[][]? elements)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Datatype = datatype;
        _shape = shape;
        _data = data;
        _elements = elements;
        var count = ElementCountOf(shape);
        var held = elements?.LongLength ?? (datatype.SizeOf() == 0 ? 0 : data.LongLength / datatype.SizeOf());
        if (count != held)
        {
            throw new ArgumentException($"Tensor '{name}' has shape [{string.Join(", ", shape)}], which holds {count} elements, but {held} were given.", nameof(shape));
        }
    }

    public string Name { get; }

    public TensorDatatype Datatype { get; }

    public IReadOnlyList<long> Shape => _shape;

    /// <summary>The number of elements (the product of the shape).</summary>
    public long ElementCount => ElementCountOf(_shape);

    /// <summary>The elements' raw bytes: little-endian, row-major; BYTES as each element's 4-byte length and bytes.</summary>
    public ReadOnlyMemory<byte> RawData => _elements is null ? _data : EncodeElements(_elements);

    /// <summary>The length of <see cref="RawData"/>, without laying BYTES elements out.</summary>
    internal long RawByteLength => _elements is null ? _data.LongLength : _elements.Sum(e => 4L + e.Length);

    /// <summary>Appends <see cref="RawData"/> to <paramref name="writer"/> (BYTES laid out straight into it).</summary>
    internal void WriteRawTo(IBufferWriter<byte> writer)
    {
        if (_elements is null)
        {
            writer.Write(_data);
            return;
        }
        foreach (var element in _elements)
        {
            BinaryPrimitives.WriteInt32LittleEndian(writer.GetSpan(4), element.Length);
            writer.Advance(4);
            writer.Write(element);
        }
    }

    /// <summary>A tensor of the elements of <paramref name="data"/> (copied), of the datatype of <typeparamref name="T"/>.</summary>
    /// <param name="name">The input's name.</param>
    /// <param name="data">The elements, row-major.</param>
    /// <param name="shape">The dimensions; none: one dimension of <paramref name="data"/>'s length.</param>
    public static InferTensor From<T>(string name, ReadOnlySpan<T> data, params long[] shape) where T : unmanaged
    {
        var datatype = TensorDatatypes.Of<T>();
        var bytes = MemoryMarshal.AsBytes(data).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The client lays tensors out little-endian, as the protocol does, and needs a little-endian machine.");
        }
        return new InferTensor(name, datatype, shape.Length == 0 ? [data.Length] : shape, bytes, null);
    }

    /// <inheritdoc cref="From{T}(string, ReadOnlySpan{T}, long[])"/>
    public static InferTensor FromArray<T>(string name, T[] data, params long[] shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        return From<T>(name, data.AsSpan(), shape);
    }

    /// <summary>A BYTES tensor of text elements (sent as UTF-8).</summary>
    public static InferTensor FromStrings(string name, IReadOnlyList<string> values, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new InferTensor(name, TensorDatatype.Bytes, shape.Length == 0 ? [values.Count] : shape, [], values.Select(Encoding.UTF8.GetBytes).ToArray());
    }

    /// <summary>A BYTES tensor of byte elements.</summary>
    public static InferTensor FromBytes(string name, IReadOnlyList<byte[]> values, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new InferTensor(name, TensorDatatype.Bytes, shape.Length == 0 ? [values.Count] : shape, [], values.Select(v => v.ToArray()).ToArray());
    }

    /// <summary>A tensor from raw bytes in the protocol's layout (what a server sends as raw or binary data).</summary>
    /// <exception cref="InferenceClientException">The bytes do not hold the shape's elements.</exception>
    public static InferTensor FromRaw(string name, TensorDatatype datatype, long[] shape, ReadOnlySpan<byte> raw)
    {
        ArgumentNullException.ThrowIfNull(shape);
        try
        {
            return datatype == TensorDatatype.Bytes
                ? new InferTensor(name, datatype, shape, [], DecodeElements(name, raw))
                : new InferTensor(name, datatype, shape, raw.ToArray(), null);
        }
        catch (ArgumentException e)
        {
            throw new InferenceClientException(InferenceErrorCode.Internal, e.Message, e);
        }
    }

    internal static InferTensor FromElements(string name, long[] shape, byte[][] elements) => new(name, TensorDatatype.Bytes, shape, [], elements);

    /// <summary>The elements as <typeparamref name="T"/>, read in place.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not the tensor's element type.</exception>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged
    {
        var wanted = TensorDatatypes.Of<T>();
        if (wanted != Datatype)
        {
            throw new InvalidOperationException($"Tensor '{Name}' holds {Datatype.ToName()} elements, not {wanted.ToName()}.");
        }
        return MemoryMarshal.Cast<byte, T>(_data);
    }

    /// <summary>The elements as a new array of <typeparamref name="T"/>.</summary>
    public T[] ToArray<T>() where T : unmanaged => AsSpan<T>().ToArray();

    /// <summary>The elements of a BYTES tensor as text (UTF-8).</summary>
    public string[] ToStrings() => RequireElements().Select(Encoding.UTF8.GetString).ToArray();

    /// <summary>The elements of a BYTES tensor.</summary>
    public IReadOnlyList<byte[]> ToByteElements() => RequireElements();

    /// <summary>The elements as <see cref="double"/> whatever the numeric datatype (for display, comparisons and load tools).</summary>
    public double[] ToDoubles() => Datatype switch
    {
        TensorDatatype.Bool => AsSpan<bool>().ToArray().Select(v => v ? 1d : 0d).ToArray(),
        TensorDatatype.UInt8 => Convert(AsSpan<byte>(), v => v),
        TensorDatatype.UInt16 => Convert(AsSpan<ushort>(), v => v),
        TensorDatatype.UInt32 => Convert(AsSpan<uint>(), v => v),
        TensorDatatype.UInt64 => Convert(AsSpan<ulong>(), v => v),
        TensorDatatype.Int8 => Convert(AsSpan<sbyte>(), v => v),
        TensorDatatype.Int16 => Convert(AsSpan<short>(), v => v),
        TensorDatatype.Int32 => Convert(AsSpan<int>(), v => v),
        TensorDatatype.Int64 => Convert(AsSpan<long>(), v => v),
        TensorDatatype.Fp16 => Convert(AsSpan<Half>(), v => (double)v),
        TensorDatatype.Fp32 => Convert(AsSpan<float>(), v => v),
        TensorDatatype.Fp64 => AsSpan<double>().ToArray(),
        TensorDatatype.Bf16 => Convert(AsSpan<BFloat16>(), v => v.ToSingle()),
        _ => throw new InvalidOperationException($"Tensor '{Name}' holds BYTES elements, which are not numbers."),
    };

    private static double[] Convert<T>(ReadOnlySpan<T> values, Func<T, double> convert) where T : unmanaged
    {
        var result = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = convert(values[i]);
        }
        return result;
    }

    private byte[][] RequireElements() =>
        _elements ?? throw new InvalidOperationException($"Tensor '{Name}' holds {Datatype.ToName()} elements, not BYTES.");

    internal byte[][]? Elements => _elements;

    private static long ElementCountOf(long[] shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0)
            {
                throw new ArgumentException($"A tensor's dimensions are 0 or more, not {dim}.", nameof(shape));
            }
            count = checked(count * dim);
        }
        return count;
    }

    private static byte[] EncodeElements(byte[][] elements)
    {
        var bytes = new byte[elements.Sum(e => 4L + e.Length)];
        var offset = 0;
        foreach (var element in elements)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), element.Length);
            element.CopyTo(bytes, offset + 4);
            offset += 4 + element.Length;
        }
        return bytes;
    }

    private static byte[][] DecodeElements(string name, ReadOnlySpan<byte> raw)
    {
        var elements = new List<byte[]>();
        while (raw.Length > 0)
        {
            if (raw.Length < 4 || BinaryPrimitives.ReadInt32LittleEndian(raw) is var length && (length < 0 || length > raw.Length - 4))
            {
                throw new ArgumentException($"Tensor '{name}': the BYTES data is truncated.", nameof(raw));
            }
            elements.Add(raw.Slice(4, length).ToArray());
            raw = raw[(4 + length)..];
        }
        return [.. elements];
    }
}
