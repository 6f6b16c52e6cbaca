namespace InferenceService.OnnxRuntime.Tests;

public class SmokeTests
{
    [Fact]
    public void Run_TwoInputs_AddsAndMultiplies()
    {
        using var session = InferenceSession.Create(Path.Combine(AppContext.BaseDirectory, "TestModels", "two_inputs_two_outputs.onnx"));
        var a = new float[] { 1, 2, 3, 4 };
        var b = new float[] { 5, 6, 7, 8 };
        using var va = OrtValue.CreateTensor<float>(a, [1, 4]);
        using var vb = OrtValue.CreateTensor<float>(b, [1, 4]);
        var outputs = session.Run(["a", "b"], [va, vb], ["sum", "product"]);
        Assert.Equal([6f, 8f, 10f, 12f], outputs[0].GetTensorData<float>().ToArray());
        Assert.Equal([5f, 12f, 21f, 32f], outputs[1].GetTensorData<float>().ToArray());
        Assert.Equal("1.30.0", OrtEnvironment.Instance.Version);
        Assert.Equal(7, session.Metadata.Version);
        Assert.Equal(["batch", ""], session.Inputs[0].SymbolicDimensions);
        foreach (var o in outputs) o.Dispose();
    }
}
