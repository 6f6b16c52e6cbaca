using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Engine.Tests.Onnx;

/// <summary>The generated test models (tests/TestModels), copied next to the test binaries.</summary>
internal static class TestModels
{
    public static string PathOf(string fileName) => Path.Combine(AppContext.BaseDirectory, "TestModels", fileName);

    public static string Identity(string typeName) => PathOf($"identity_{typeName}.onnx");

    public static string TwoInputsTwoOutputs => PathOf("two_inputs_two_outputs.onnx");

    public static string FixedShape => PathOf("fixed_shape.onnx");

    public static string Slow => PathOf("slow.onnx");

    public static string CastInt32ToFloat => PathOf("cast_int32_to_float.onnx");

    public static string Corrupt => PathOf("corrupt.onnx");

    /// <summary>
    /// One intra-op thread: tiny models gain nothing from more, and on a 2-core machine idle spinning worker threads
    /// would slow the tests that run next to them.
    /// </summary>
    public static SessionSettings SingleThreaded { get; } = new() { IntraOpThreads = 1 };

    public static OnnxSession Open(string path) => OnnxSession.Create(path, SingleThreaded);
}

/// <summary>The outputs of one run, disposed together.</summary>
internal sealed class Outputs(OrtValue[] values) : IDisposable
{
    public OrtValue this[int index] => values[index];

    public int Count => values.Length;

    public void Dispose()
    {
        foreach (var value in values)
        {
            value.Dispose();
        }
    }
}

internal static class InferenceSessionTestExtensions
{
    public static Outputs RunOwned(
        this OnnxSession session,
        ReadOnlySpan<string> inputNames,
        OrtValue[] inputs,
        ReadOnlySpan<string> outputNames,
        CancellationToken cancellationToken = default) =>
        new(session.Run(inputNames, inputs, outputNames, cancellationToken));

    /// <summary>Runs a one-input, one-output model ("x" to "y") on a float tensor and returns the output values.</summary>
    public static float[] RunFloat(this OnnxSession session, float[] input, params long[] shape)
    {
        using var x = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var outputs = session.RunOwned(["x"], [x], ["y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}

/// <summary>
/// Tests that measure time, threads or process memory: they run one at a time, after the parallel tests, so that
/// nothing else competes for the two cores or allocates while they measure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial (timing and memory)";
}
