using System.Text.Json;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceService.Engine.Tensors;

/// <summary>
/// Walks nested JSON arrays in row-major order. Decoding takes three steps, so that the buffer is rented once, at
/// its exact size, and only after the data is known to fit: measure the first row of every level (which fixes the
/// depth, and for nested input the shape), count the scalars while checking the structure (touching arrays only,
/// not scalars), then read every scalar into the buffer.
/// </summary>
internal static class JsonNesting
{
    /// <summary>
    /// Follows the first element of every level and records the length of each array on the way into
    /// <paramref name="dims"/>; returns the depth (the rank of a nested tensor). A scalar has depth 0; an empty array
    /// ends the descent, so <c>[[], []]</c> measures [2, 0].
    /// </summary>
    public static int MeasureFirstRow(string name, JsonElement root, Span<long> dims)
    {
        var depth = 0;
        var element = root;
        while (element.ValueKind == JsonValueKind.Array)
        {
            if (depth == dims.Length)
            {
                throw DecodeErrors.TooDeep(name, dims.Length);
            }
            var length = element.GetArrayLength();
            dims[depth++] = length;
            if (length == 0)
            {
                break;
            }
            element = element[0];
        }
        return depth;
    }

    /// <summary>
    /// Counts the scalars of <paramref name="root"/>, whose first row measured <paramref name="dims"/>. Every scalar
    /// must sit at the same depth (a mix of arrays and scalars at one level is refused); with
    /// <paramref name="rectangular"/>, every array must also have the length of the first one at its level.
    /// Arrays of scalars are counted by their length, so the scalars themselves are not visited here.
    /// </summary>
    public static long CountScalars(string name, JsonElement root, ReadOnlySpan<long> dims, bool rectangular)
    {
        if (dims.Length == 0)
        {
            return 1;
        }
        Span<int> path = stackalloc int[dims.Length];
        return CountRows(name, root, root, 0, dims, rectangular, path);
    }

    /// <summary>
    /// Reads every scalar of <paramref name="root"/> (nested <paramref name="depth"/> levels deep, as measured, and
    /// already counted to fit <paramref name="destination"/>) into <paramref name="destination"/> in row-major order.
    /// </summary>
    public static void Fill<T, TReader>(string name, JsonElement root, int depth, TensorElementType type, Span<T> destination)
        where TReader : IJsonElementReader<T>
    {
        if (depth == 0)
        {
            var status = TReader.Read(root, out destination[0]);
            if (status != ElementStatus.Ok)
            {
                throw DecodeErrors.Element(name, [], root, type, status);
            }
            return;
        }
        Span<int> path = stackalloc int[depth];
        var written = 0;
        FillRows<T, TReader>(name, root, root, 0, type, destination, ref written, path);
    }

    private static long CountRows(string name, JsonElement root, JsonElement array, int depth, ReadOnlySpan<long> dims, bool rectangular, Span<int> path)
    {
        if (depth == dims.Length - 1)
        {
            return array.GetArrayLength();
        }
        long total = 0;
        var index = 0;
        foreach (var row in array.EnumerateArray())
        {
            path[depth] = index++;
            if (row.ValueKind != JsonValueKind.Array)
            {
                throw DecodeErrors.Mixed(name, path[..(depth + 1)], row, root);
            }
            if (rectangular && row.GetArrayLength() != dims[depth + 1])
            {
                throw DecodeErrors.Ragged(name, path[..(depth + 1)], row.GetArrayLength(), dims[depth + 1]);
            }
            total += CountRows(name, root, row, depth + 1, dims, rectangular, path);
        }
        return total;
    }

    private static void FillRows<T, TReader>(string name, JsonElement root, JsonElement array, int depth, TensorElementType type, Span<T> destination, ref int written, Span<int> path)
        where TReader : IJsonElementReader<T>
    {
        if (depth < path.Length - 1)
        {
            var index = 0;
            foreach (var row in array.EnumerateArray())
            {
                path[depth] = index++;
                FillRows<T, TReader>(name, root, row, depth + 1, type, destination, ref written, path);
            }
            return;
        }
        // The innermost level: the hot loop, one read per scalar and nothing else.
        var start = written;
        foreach (var element in array.EnumerateArray())
        {
            var status = TReader.Read(element, out destination[written]);
            if (status != ElementStatus.Ok)
            {
                path[depth] = written - start;
                // No reader takes an array, so an array here is a nesting mistake, not a bad value.
                throw element.ValueKind == JsonValueKind.Array
                    ? DecodeErrors.Mixed(name, path, element, root)
                    : DecodeErrors.Element(name, path, element, type, status);
            }
            written++;
        }
    }
}
