namespace InferenceService.OnnxRuntime.Native;

/// <summary>Reads a session's <c>OrtModelMetadata</c> into a <see cref="ModelMetadata"/>.</summary>
internal static unsafe class NativeModelMetadata
{
    public static ModelMetadata Read(IntPtr session)
    {
        var api = OrtEnvironment.Api;
        var allocator = OrtEnvironment.Instance.DefaultAllocator;
        IntPtr metadata;
        OrtException.ThrowIfFailed(api.SessionGetModelMetadata(session, &metadata));
        try
        {
            long version;
            OrtException.ThrowIfFailed(api.ModelMetadataGetVersion(metadata, &version));
            return new ModelMetadata(
                ReadString(api.ModelMetadataGetProducerName, metadata, allocator),
                ReadString(api.ModelMetadataGetGraphName, metadata, allocator),
                ReadString(api.ModelMetadataGetDomain, metadata, allocator),
                ReadString(api.ModelMetadataGetDescription, metadata, allocator),
                ReadString(api.ModelMetadataGetGraphDescription, metadata, allocator),
                version,
                ReadCustomMetadata(api, metadata, allocator));
        }
        finally
        {
            api.ReleaseModelMetadata(metadata);
        }
    }

    private static string ReadString(delegate* unmanaged<IntPtr, IntPtr, byte**, IntPtr> getter, IntPtr metadata, IntPtr allocator)
    {
        byte* value;
        OrtException.ThrowIfFailed(getter(metadata, allocator, &value));
        return Utf8.ReadAndFree(value);
    }

    private static Dictionary<string, string> ReadCustomMetadata(OrtApi api, IntPtr metadata, IntPtr allocator)
    {
        byte** keys;
        long count;
        OrtException.ThrowIfFailed(api.ModelMetadataGetCustomMetadataMapKeys(metadata, allocator, &keys, &count));
        var result = new Dictionary<string, string>((int)count, StringComparer.Ordinal);
        if (keys == null)
        {
            return result;
        }
        try
        {
            for (long i = 0; i < count; i++)
            {
                var key = Utf8.Read(keys[i]);
                byte* value;
                OrtException.ThrowIfFailed(api.ModelMetadataLookupCustomMetadataMap(metadata, allocator, keys[i], &value));
                result[key] = Utf8.ReadAndFree(value);
            }
            return result;
        }
        finally
        {
            // The array and each key were allocated with the default allocator.
            for (long i = 0; i < count; i++)
            {
                OrtException.ThrowIfFailed(api.AllocatorFree(allocator, keys[i]));
            }
            OrtException.ThrowIfFailed(api.AllocatorFree(allocator, keys));
        }
    }
}
