namespace InferenceService.Engine.Serving;

/// <summary>
/// What one inference request may hold, checked by <see cref="InferencePipeline.Decode"/> with the model's own checks,
/// before any tensor buffer is rented; each over-limit is a client error that names the limit's setting (the host
/// binds these from its <c>Limits</c> section). The defaults let every real model through and stop requests whose
/// only purpose is to make the server allocate, loop or copy.
/// </summary>
public sealed record RequestLimits
{
    /// <summary>The configuration section the host reads them from; messages name each limit as Section:Property.</summary>
    public const string SectionName = "Limits";

    public static readonly RequestLimits Default = new();

    /// <summary>Dimensions of one input tensor.</summary>
    public int MaxTensorRank { get; init; } = 32;

    /// <summary>Elements in all the inputs of one request together.</summary>
    public long MaxElementsPerRequest { get; init; } = 64L * 1024 * 1024;

    /// <summary>UTF-8 bytes of one BYTES (string) element.</summary>
    public int MaxStringBytes { get; init; } = 1024 * 1024;

    /// <summary>Inputs one request gives.</summary>
    public int MaxInputs { get; init; } = 128;

    /// <summary>Outputs one request asks for.</summary>
    public int MaxOutputs { get; init; } = 128;

    /// <summary>"Limits:Name", as a message names a limit.</summary>
    public static string Setting(string name) => $"{SectionName}:{name}";
}
