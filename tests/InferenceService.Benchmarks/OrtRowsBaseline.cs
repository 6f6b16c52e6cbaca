using System.Diagnostics;
using System.Globalization;
using InferenceService.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace InferenceService.Benchmarks;

/// <summary>
/// <c>ort-rows &lt;model.onnx&gt; &lt;rows&gt; &lt;batch&gt;</c>: the baseline of the batch-job benchmark. Calls ONNX Runtime in
/// process (the engine's session adapter, the server's default settings) on ready-made [batch, F] tensors until
/// <c>rows</c> rows have run, and prints the rows per second: what a job could reach if reading, checking and writing
/// rows cost nothing.
/// </summary>
internal static class OrtRowsBaseline
{
    public const string Command = "ort-rows";

    public static int Run(string[] args)
    {
        if (args.Length != 4)
        {
            Console.Error.WriteLine($"usage: {Command} <model.onnx> <rows> <batch>");
            return 2;
        }
        var rows = long.Parse(args[2], CultureInfo.InvariantCulture);
        var batch = int.Parse(args[3], CultureInfo.InvariantCulture);
        // The session settings the server gives a model with one instance and no parameters: all the cores for its
        // intra-op threads, and idle threads that do not spin (ModelLoader's defaults). BENCHMARK_ORT_SPINNING=1 lets
        // them spin, ONNX Runtime's own default; BENCHMARK_ORT_THREADS=N sets the intra-op threads.
        var spinning = Environment.GetEnvironmentVariable("BENCHMARK_ORT_SPINNING") == "1";
        using var session = OnnxSession.Create(args[1], new SessionSettings
        {
            IntraOpThreads = int.TryParse(Environment.GetEnvironmentVariable("BENCHMARK_ORT_THREADS"), out var threads) ? threads : Environment.ProcessorCount,
            InterOpThreads = 1,
            ConfigEntries = new Dictionary<string, string> { ["session.intra_op.allow_spinning"] = spinning ? "1" : "0" },
        });
        var features = (int)session.Inputs[0].Shape[^1];
        var random = new Random(1);
        var data = new float[batch * features];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)random.NextDouble();
        }
        using var input = OrtValue.CreateTensorValueFromMemory(data, [batch, features]);
        OrtValue[] inputs = [input];
        int[] all = [.. Enumerable.Range(0, session.Outputs.Count)];
        for (var warmup = 0; warmup < 50; warmup++)
        {
            Dispose(session.Run([0], inputs, all));
        }
        var clock = Stopwatch.StartNew();
        long done = 0;
        while (done < rows)
        {
            Dispose(session.Run([0], inputs, all));
            done += batch;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{done / clock.Elapsed.TotalSeconds:F0}"));
        return 0;
    }

    private static void Dispose(OrtValue[] values)
    {
        foreach (var value in values)
        {
            value.Dispose();
        }
    }
}
