using System.Runtime.InteropServices;
using InferenceService.OnnxRuntime.Native;

namespace InferenceService.OnnxRuntime;

/// <summary>An error reported by ONNX Runtime (or by the binding on its behalf), with ONNX Runtime's code and message.</summary>
public sealed class OrtException : Exception
{
    public OrtException(OrtErrorCode errorCode, string message)
        : base(message) => ErrorCode = errorCode;

    public OrtException() : this(OrtErrorCode.Fail, "ONNX Runtime reported an error.") { }

    public OrtException(string message) : this(OrtErrorCode.Fail, message) { }

    public OrtException(string message, Exception innerException) : base(message, innerException) => ErrorCode = OrtErrorCode.Fail;

    /// <summary>ONNX Runtime's error code.</summary>
    public OrtErrorCode ErrorCode { get; }

    /// <summary>Throws when <paramref name="status"/> is an error; the status is released in every case.</summary>
    internal static unsafe void ThrowIfFailed(IntPtr status)
    {
        if (status != IntPtr.Zero)
        {
            throw FromStatus(status);
        }
    }

    /// <summary>Reads the code and message of a non-null <c>OrtStatus*</c> and releases it.</summary>
    internal static unsafe OrtException FromStatus(IntPtr status)
    {
        var api = OrtEnvironment.Api;
        try
        {
            var code = (OrtErrorCode)api.GetErrorCode(status);
            var message = Marshal.PtrToStringUTF8((IntPtr)api.GetErrorMessage(status)) ?? "ONNX Runtime reported an error without a message.";
            return new OrtException(code, message);
        }
        finally
        {
            api.ReleaseStatus(status);
        }
    }
}
