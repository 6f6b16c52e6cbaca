using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Onnx;

/// <summary>
/// Reads ONNX Runtime's errors. The package keeps the status code internal and puts it in front of the message as
/// <c>[ErrorCode:InvalidArgument] …</c>; the scheduler needs the code (a bad input is the client's fault), and a
/// client needs the message without it.
/// </summary>
public static class OnnxErrors
{
    private const string Prefix = "[ErrorCode:";

    /// <summary>The status code's name ("InvalidArgument", "Fail", "RuntimeException", …), or "" when there is none.</summary>
    public static string Code(OnnxRuntimeException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var message = error.Message;
        var end = message.IndexOf(']', StringComparison.Ordinal);
        return message.StartsWith(Prefix, StringComparison.Ordinal) && end > Prefix.Length ? message[Prefix.Length..end] : "";
    }

    /// <summary>Whether ONNX Runtime refused the inputs it was given (shapes, values), rather than failing itself.</summary>
    public static bool IsInvalidArgument(OnnxRuntimeException error) => Code(error) == "InvalidArgument";

    /// <summary>The message without the status code in front.</summary>
    public static string Describe(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var message = error.Message;
        if (error is OnnxRuntimeException && message.StartsWith(Prefix, StringComparison.Ordinal))
        {
            var end = message.IndexOf(']', StringComparison.Ordinal);
            message = message[(end + 1)..].TrimStart();
        }
        return message;
    }
}
