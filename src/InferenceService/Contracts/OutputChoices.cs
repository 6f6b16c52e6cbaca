namespace InferenceService.Contracts;

/// <summary>What a request asks of one named output: raw bytes or JSON (null: the request's default), and its top classes (0: the tensor itself).</summary>
internal readonly record struct OutputChoice(bool? Binary, int Classification);

/// <summary>
/// How an Open Inference Protocol request wants its outputs written: as JSON or as binary data after the JSON
/// (<c>parameters.binary_data_output</c> for all, <c>outputs[].parameters.binary_data</c> for one), and which as their
/// top classifications (<c>outputs[].parameters.classification</c>). Made only when a request asks for any of it.
/// </summary>
internal sealed class OutputChoices(bool defaultBinary, OutputChoice[]? perOutput)
{
    /// <summary><c>binary_data_output</c>: the outputs' default.</summary>
    public bool DefaultBinary { get; } = defaultBinary;

    /// <summary>Whether output <paramref name="index"/> (in the answer's order) goes out as raw bytes.</summary>
    public bool IsBinary(int index) => perOutput is not null && index < perOutput.Length ? perOutput[index].Binary ?? DefaultBinary : DefaultBinary;

    /// <summary>How many top classes output <paramref name="index"/> is answered with; 0: its tensor.</summary>
    public int ClassificationOf(int index) => perOutput is not null && index < perOutput.Length ? perOutput[index].Classification : 0;

    /// <summary>Whether any of <paramref name="outputCount"/> outputs goes out as raw bytes.</summary>
    public bool AnyBinary(int outputCount)
    {
        for (var i = 0; i < outputCount; i++)
        {
            if (IsBinary(i))
            {
                return true;
            }
        }
        return false;
    }
}
