using System.Runtime.InteropServices;

namespace InferenceService.OnnxRuntime.Native;

/// <summary>
/// The subset of ONNX Runtime's <c>OrtApi</c> function table that the binding uses, as unmanaged function
/// pointers. The table is append-only across releases, so each entry is read at its fixed index (the order of
/// <c>struct OrtApi</c> in onnxruntime_c_api.h); requesting <see cref="ApiVersion"/> from a newer runtime
/// returns the same layout. Opaque ORT objects are <see cref="IntPtr"/>, <c>size_t</c> is <see cref="nuint"/>,
/// and every function returning <c>OrtStatus*</c> returns <see cref="IntPtr"/> (zero on success).
/// </summary>
internal sealed unsafe class OrtApi
{
    /// <summary>The C API version whose table layout this class reads (ONNX Runtime 1.13 and every later release).</summary>
    public const uint ApiVersion = 13;

    public readonly delegate* unmanaged<int, byte*, IntPtr> CreateStatus;
    public readonly delegate* unmanaged<IntPtr, int> GetErrorCode;
    public readonly delegate* unmanaged<IntPtr, byte*> GetErrorMessage;
    public readonly delegate* unmanaged<IntPtr, IntPtr, int, byte*, IntPtr*, IntPtr> CreateEnvWithCustomLogger;
    public readonly delegate* unmanaged<IntPtr, void*, IntPtr, IntPtr*, IntPtr> CreateSession;
    public readonly delegate* unmanaged<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr> CreateSessionFromArray;
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr> Run;
    public readonly delegate* unmanaged<IntPtr*, IntPtr> CreateSessionOptions;
    public readonly delegate* unmanaged<IntPtr, void*, IntPtr> SetOptimizedModelFilePath;
    public readonly delegate* unmanaged<IntPtr, int, IntPtr> SetSessionExecutionMode;
    public readonly delegate* unmanaged<IntPtr, IntPtr> EnableCpuMemArena;
    public readonly delegate* unmanaged<IntPtr, IntPtr> DisableCpuMemArena;
    public readonly delegate* unmanaged<IntPtr, byte*, IntPtr> SetSessionLogId;
    public readonly delegate* unmanaged<IntPtr, int, IntPtr> SetSessionLogSeverityLevel;
    public readonly delegate* unmanaged<IntPtr, int, IntPtr> SetSessionGraphOptimizationLevel;
    public readonly delegate* unmanaged<IntPtr, int, IntPtr> SetIntraOpNumThreads;
    public readonly delegate* unmanaged<IntPtr, int, IntPtr> SetInterOpNumThreads;
    public readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> SessionGetInputCount;
    public readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> SessionGetOutputCount;
    public readonly delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr> SessionGetInputTypeInfo;
    public readonly delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr> SessionGetOutputTypeInfo;
    public readonly delegate* unmanaged<IntPtr, nuint, IntPtr, byte**, IntPtr> SessionGetInputName;
    public readonly delegate* unmanaged<IntPtr, nuint, IntPtr, byte**, IntPtr> SessionGetOutputName;
    public readonly delegate* unmanaged<IntPtr*, IntPtr> CreateRunOptions;
    public readonly delegate* unmanaged<IntPtr, int, IntPtr> RunOptionsSetRunLogSeverityLevel;
    public readonly delegate* unmanaged<IntPtr, byte*, IntPtr> RunOptionsSetRunTag;
    public readonly delegate* unmanaged<IntPtr, IntPtr> RunOptionsSetTerminate;
    public readonly delegate* unmanaged<IntPtr, long*, nuint, int, IntPtr*, IntPtr> CreateTensorAsOrtValue;
    public readonly delegate* unmanaged<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr> CreateTensorWithDataAsOrtValue;
    public readonly delegate* unmanaged<IntPtr, void**, IntPtr> GetTensorMutableData;
    public readonly delegate* unmanaged<IntPtr, byte**, nuint, IntPtr> FillStringTensor;
    public readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> GetStringTensorDataLength;
    public readonly delegate* unmanaged<IntPtr, void*, nuint, nuint*, nuint, IntPtr> GetStringTensorContent;
    public readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> CastTypeInfoToTensorInfo;
    public readonly delegate* unmanaged<IntPtr, int*, IntPtr> GetOnnxTypeFromTypeInfo;
    public readonly delegate* unmanaged<IntPtr, int*, IntPtr> GetTensorElementType;
    public readonly delegate* unmanaged<IntPtr, nuint*, IntPtr> GetDimensionsCount;
    public readonly delegate* unmanaged<IntPtr, long*, nuint, IntPtr> GetDimensions;
    public readonly delegate* unmanaged<IntPtr, byte**, nuint, IntPtr> GetSymbolicDimensions;
    public readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> GetTensorTypeAndShape;
    public readonly delegate* unmanaged<IntPtr, int*, IntPtr> GetValueType;
    public readonly delegate* unmanaged<int, int, IntPtr*, IntPtr> CreateCpuMemoryInfo;
    public readonly delegate* unmanaged<IntPtr, void*, IntPtr> AllocatorFree;
    public readonly delegate* unmanaged<IntPtr*, IntPtr> GetAllocatorWithDefaultOptions;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseStatus;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseMemoryInfo;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseSession;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseValue;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseRunOptions;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseTypeInfo;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseTensorTypeAndShapeInfo;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseSessionOptions;
    public readonly delegate* unmanaged<IntPtr, IntPtr*, IntPtr> SessionGetModelMetadata;
    public readonly delegate* unmanaged<IntPtr, IntPtr, byte**, IntPtr> ModelMetadataGetProducerName;
    public readonly delegate* unmanaged<IntPtr, IntPtr, byte**, IntPtr> ModelMetadataGetGraphName;
    public readonly delegate* unmanaged<IntPtr, IntPtr, byte**, IntPtr> ModelMetadataGetDomain;
    public readonly delegate* unmanaged<IntPtr, IntPtr, byte**, IntPtr> ModelMetadataGetDescription;
    public readonly delegate* unmanaged<IntPtr, IntPtr, byte*, byte**, IntPtr> ModelMetadataLookupCustomMetadataMap;
    public readonly delegate* unmanaged<IntPtr, long*, IntPtr> ModelMetadataGetVersion;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseModelMetadata;
    public readonly delegate* unmanaged<IntPtr, IntPtr, byte***, long*, IntPtr> ModelMetadataGetCustomMetadataMapKeys;
    public readonly delegate* unmanaged<byte***, int*, IntPtr> GetAvailableProviders;
    public readonly delegate* unmanaged<byte**, int, IntPtr> ReleaseAvailableProviders;
    public readonly delegate* unmanaged<IntPtr, byte*, byte*, IntPtr> AddSessionConfigEntry;
    public readonly delegate* unmanaged<IntPtr, IntPtr, byte**, IntPtr> ModelMetadataGetGraphDescription;
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr> SessionOptionsAppendExecutionProvider_TensorRT_V2;
    public readonly delegate* unmanaged<IntPtr*, IntPtr> CreateTensorRTProviderOptions;
    public readonly delegate* unmanaged<IntPtr, byte**, byte**, nuint, IntPtr> UpdateTensorRTProviderOptions;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseTensorRTProviderOptions;
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr> SessionOptionsAppendExecutionProvider_CUDA_V2;
    public readonly delegate* unmanaged<IntPtr*, IntPtr> CreateCUDAProviderOptions;
    public readonly delegate* unmanaged<IntPtr, byte**, byte**, nuint, IntPtr> UpdateCUDAProviderOptions;
    public readonly delegate* unmanaged<IntPtr, void> ReleaseCUDAProviderOptions;

    /// <summary>The runtime's own version string, e.g. "1.30.0".</summary>
    public readonly string RuntimeVersion;

    private OrtApi(IntPtr* table, string runtimeVersion)
    {
        RuntimeVersion = runtimeVersion;
        CreateStatus = (delegate* unmanaged<int, byte*, IntPtr>)table[0];
        GetErrorCode = (delegate* unmanaged<IntPtr, int>)table[1];
        GetErrorMessage = (delegate* unmanaged<IntPtr, byte*>)table[2];
        CreateEnvWithCustomLogger = (delegate* unmanaged<IntPtr, IntPtr, int, byte*, IntPtr*, IntPtr>)table[4];
        CreateSession = (delegate* unmanaged<IntPtr, void*, IntPtr, IntPtr*, IntPtr>)table[7];
        CreateSessionFromArray = (delegate* unmanaged<IntPtr, void*, nuint, IntPtr, IntPtr*, IntPtr>)table[8];
        Run = (delegate* unmanaged<IntPtr, IntPtr, IntPtr*, IntPtr*, nuint, IntPtr*, nuint, IntPtr*, IntPtr>)table[9];
        CreateSessionOptions = (delegate* unmanaged<IntPtr*, IntPtr>)table[10];
        SetOptimizedModelFilePath = (delegate* unmanaged<IntPtr, void*, IntPtr>)table[11];
        SetSessionExecutionMode = (delegate* unmanaged<IntPtr, int, IntPtr>)table[13];
        EnableCpuMemArena = (delegate* unmanaged<IntPtr, IntPtr>)table[18];
        DisableCpuMemArena = (delegate* unmanaged<IntPtr, IntPtr>)table[19];
        SetSessionLogId = (delegate* unmanaged<IntPtr, byte*, IntPtr>)table[20];
        SetSessionLogSeverityLevel = (delegate* unmanaged<IntPtr, int, IntPtr>)table[22];
        SetSessionGraphOptimizationLevel = (delegate* unmanaged<IntPtr, int, IntPtr>)table[23];
        SetIntraOpNumThreads = (delegate* unmanaged<IntPtr, int, IntPtr>)table[24];
        SetInterOpNumThreads = (delegate* unmanaged<IntPtr, int, IntPtr>)table[25];
        SessionGetInputCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)table[30];
        SessionGetOutputCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)table[31];
        SessionGetInputTypeInfo = (delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr>)table[33];
        SessionGetOutputTypeInfo = (delegate* unmanaged<IntPtr, nuint, IntPtr*, IntPtr>)table[34];
        SessionGetInputName = (delegate* unmanaged<IntPtr, nuint, IntPtr, byte**, IntPtr>)table[36];
        SessionGetOutputName = (delegate* unmanaged<IntPtr, nuint, IntPtr, byte**, IntPtr>)table[37];
        CreateRunOptions = (delegate* unmanaged<IntPtr*, IntPtr>)table[39];
        RunOptionsSetRunLogSeverityLevel = (delegate* unmanaged<IntPtr, int, IntPtr>)table[41];
        RunOptionsSetRunTag = (delegate* unmanaged<IntPtr, byte*, IntPtr>)table[42];
        RunOptionsSetTerminate = (delegate* unmanaged<IntPtr, IntPtr>)table[46];
        CreateTensorAsOrtValue = (delegate* unmanaged<IntPtr, long*, nuint, int, IntPtr*, IntPtr>)table[48];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr>)table[49];
        GetTensorMutableData = (delegate* unmanaged<IntPtr, void**, IntPtr>)table[51];
        FillStringTensor = (delegate* unmanaged<IntPtr, byte**, nuint, IntPtr>)table[52];
        GetStringTensorDataLength = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)table[53];
        GetStringTensorContent = (delegate* unmanaged<IntPtr, void*, nuint, nuint*, nuint, IntPtr>)table[54];
        CastTypeInfoToTensorInfo = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)table[55];
        GetOnnxTypeFromTypeInfo = (delegate* unmanaged<IntPtr, int*, IntPtr>)table[56];
        GetTensorElementType = (delegate* unmanaged<IntPtr, int*, IntPtr>)table[60];
        GetDimensionsCount = (delegate* unmanaged<IntPtr, nuint*, IntPtr>)table[61];
        GetDimensions = (delegate* unmanaged<IntPtr, long*, nuint, IntPtr>)table[62];
        GetSymbolicDimensions = (delegate* unmanaged<IntPtr, byte**, nuint, IntPtr>)table[63];
        GetTensorTypeAndShape = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)table[65];
        GetValueType = (delegate* unmanaged<IntPtr, int*, IntPtr>)table[67];
        CreateCpuMemoryInfo = (delegate* unmanaged<int, int, IntPtr*, IntPtr>)table[69];
        AllocatorFree = (delegate* unmanaged<IntPtr, void*, IntPtr>)table[76];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged<IntPtr*, IntPtr>)table[78];
        ReleaseStatus = (delegate* unmanaged<IntPtr, void>)table[93];
        ReleaseMemoryInfo = (delegate* unmanaged<IntPtr, void>)table[94];
        ReleaseSession = (delegate* unmanaged<IntPtr, void>)table[95];
        ReleaseValue = (delegate* unmanaged<IntPtr, void>)table[96];
        ReleaseRunOptions = (delegate* unmanaged<IntPtr, void>)table[97];
        ReleaseTypeInfo = (delegate* unmanaged<IntPtr, void>)table[98];
        ReleaseTensorTypeAndShapeInfo = (delegate* unmanaged<IntPtr, void>)table[99];
        ReleaseSessionOptions = (delegate* unmanaged<IntPtr, void>)table[100];
        SessionGetModelMetadata = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr>)table[111];
        ModelMetadataGetProducerName = (delegate* unmanaged<IntPtr, IntPtr, byte**, IntPtr>)table[112];
        ModelMetadataGetGraphName = (delegate* unmanaged<IntPtr, IntPtr, byte**, IntPtr>)table[113];
        ModelMetadataGetDomain = (delegate* unmanaged<IntPtr, IntPtr, byte**, IntPtr>)table[114];
        ModelMetadataGetDescription = (delegate* unmanaged<IntPtr, IntPtr, byte**, IntPtr>)table[115];
        ModelMetadataLookupCustomMetadataMap = (delegate* unmanaged<IntPtr, IntPtr, byte*, byte**, IntPtr>)table[116];
        ModelMetadataGetVersion = (delegate* unmanaged<IntPtr, long*, IntPtr>)table[117];
        ReleaseModelMetadata = (delegate* unmanaged<IntPtr, void>)table[118];
        ModelMetadataGetCustomMetadataMapKeys = (delegate* unmanaged<IntPtr, IntPtr, byte***, long*, IntPtr>)table[123];
        GetAvailableProviders = (delegate* unmanaged<byte***, int*, IntPtr>)table[125];
        ReleaseAvailableProviders = (delegate* unmanaged<byte**, int, IntPtr>)table[126];
        AddSessionConfigEntry = (delegate* unmanaged<IntPtr, byte*, byte*, IntPtr>)table[130];
        ModelMetadataGetGraphDescription = (delegate* unmanaged<IntPtr, IntPtr, byte**, IntPtr>)table[158];
        SessionOptionsAppendExecutionProvider_TensorRT_V2 = (delegate* unmanaged<IntPtr, IntPtr, IntPtr>)table[170];
        CreateTensorRTProviderOptions = (delegate* unmanaged<IntPtr*, IntPtr>)table[171];
        UpdateTensorRTProviderOptions = (delegate* unmanaged<IntPtr, byte**, byte**, nuint, IntPtr>)table[172];
        ReleaseTensorRTProviderOptions = (delegate* unmanaged<IntPtr, void>)table[174];
        SessionOptionsAppendExecutionProvider_CUDA_V2 = (delegate* unmanaged<IntPtr, IntPtr, IntPtr>)table[204];
        CreateCUDAProviderOptions = (delegate* unmanaged<IntPtr*, IntPtr>)table[205];
        UpdateCUDAProviderOptions = (delegate* unmanaged<IntPtr, byte**, byte**, nuint, IntPtr>)table[206];
        ReleaseCUDAProviderOptions = (delegate* unmanaged<IntPtr, void>)table[208];
    }

    /// <summary>Loads the native library and reads the function table from it.</summary>
    public static OrtApi Load(string? libraryPath, out string loadedFrom)
    {
        var entry = OrtNativeLibrary.LoadApiBaseEntryPoint(libraryPath, out loadedFrom);
        // const OrtApiBase* OrtGetApiBase(void); OrtApiBase = { GetApi(uint32_t), GetVersionString(void) }.
        var apiBase = ((delegate* unmanaged<IntPtr*>)entry)();
        var getApi = (delegate* unmanaged<uint, IntPtr*>)apiBase[0];
        var getVersionString = (delegate* unmanaged<byte*>)apiBase[1];
        var version = Marshal.PtrToStringUTF8((IntPtr)getVersionString()) ?? "unknown";
        var table = getApi(ApiVersion);
        if (table == null)
        {
            throw new NotSupportedException(
                $"The ONNX Runtime library at '{loadedFrom}' (version {version}) does not provide C API version {ApiVersion}.");
        }
        return new OrtApi(table, version);
    }
}
