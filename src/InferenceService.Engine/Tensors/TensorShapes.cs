using System.Globalization;
using System.Text;

namespace InferenceService.Engine.Tensors;

/// <summary>Shape arithmetic and shape text shared by the decoder, the validator and their messages.</summary>
internal static class TensorShapes
{
    /// <summary>
    /// The number of elements of <paramref name="shape"/>, refusing negative dimensions and a product that does not
    /// fit in 64 bits. It runs before anything is allocated, so a client cannot make the server rent a buffer from a
    /// shape alone.
    /// </summary>
    public static long ElementCount(string name, ReadOnlySpan<long> shape)
    {
        foreach (var dim in shape)
        {
            if (dim < 0)
            {
                throw InferenceException.InvalidInput($"Input '{name}' has a negative dimension ({dim}) in shape {Format(shape)}.");
            }
        }
        long count = 1;
        foreach (var dim in shape)
        {
            // Checked, and only after every dimension is known non-negative: a zero anywhere makes any product valid.
            if (dim != 0 && count > long.MaxValue / dim)
            {
                return shape.Contains(0) ? 0 : throw InferenceException.InvalidInput($"Input '{name}' shape {Format(shape)} has more elements than a tensor can hold.");
            }
            count *= dim;
        }
        return count;
    }

    /// <summary>
    /// The byte length of <paramref name="count"/> elements of <paramref name="elementSize"/> bytes, which must fit in
    /// one array because the data lives in one pooled buffer.
    /// </summary>
    public static int ByteLength(string name, long count, int elementSize)
    {
        if (count > Array.MaxLength / elementSize)
        {
            throw InferenceException.InvalidInput($"Input '{name}' has {count} elements, more than the server accepts in one tensor.");
        }
        return (int)count * elementSize;
    }

    /// <summary>The shape as the messages write it: <c>[2, 3]</c>, <c>[]</c> for a scalar.</summary>
    public static string Format(ReadOnlySpan<long> shape)
    {
        var text = new StringBuilder("[");
        for (var i = 0; i < shape.Length; i++)
        {
            text.Append(i == 0 ? "" : ", ").Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }
        return text.Append(']').ToString();
    }

    /// <summary>The shape as the messages write it, from a model's declared dimensions (-1 for dynamic).</summary>
    public static string Format(IReadOnlyList<long> shape)
    {
        Span<long> dims = shape.Count <= 16 ? stackalloc long[shape.Count] : new long[shape.Count];
        for (var i = 0; i < dims.Length; i++)
        {
            dims[i] = shape[i];
        }
        return Format(dims);
    }
}
