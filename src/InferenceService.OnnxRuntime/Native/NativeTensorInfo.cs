namespace InferenceService.OnnxRuntime.Native;

/// <summary>Reads an <c>OrtTensorTypeAndShapeInfo</c> (which the caller owns and releases).</summary>
internal static unsafe class NativeTensorInfo
{
    public static (TensorElementType Type, long[] Shape) Read(IntPtr info)
    {
        var api = OrtEnvironment.Api;
        int type;
        OrtException.ThrowIfFailed(api.GetTensorElementType(info, &type));
        nuint rank;
        OrtException.ThrowIfFailed(api.GetDimensionsCount(info, &rank));
        var shape = new long[(int)rank];
        fixed (long* dims = shape)
        {
            OrtException.ThrowIfFailed(api.GetDimensions(info, dims, rank));
        }
        return ((TensorElementType)type, shape);
    }

    /// <summary>The name of each dimension ("batch"), or an empty string where the dimension has none.</summary>
    public static string[] ReadSymbolicDimensions(IntPtr info, int rank)
    {
        var names = new string[rank];
        if (rank == 0)
        {
            return names;
        }
        var pointers = stackalloc byte*[rank];
        OrtException.ThrowIfFailed(OrtEnvironment.Api.GetSymbolicDimensions(info, pointers, (nuint)rank));
        for (var i = 0; i < rank; i++)
        {
            names[i] = Utf8.Read(pointers[i]); // Owned by the info object: not freed here.
        }
        return names;
    }
}
