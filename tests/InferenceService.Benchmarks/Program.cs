using BenchmarkDotNet.Running;
using InferenceService.Benchmarks;

if (args.Length > 0 && args[0] == OrtRowsBaseline.Command)
{
    return OrtRowsBaseline.Run(args);
}
if (args.Length > 0 && args[0] == PredictionStoreFootprint.Command)
{
    return PredictionStoreFootprint.Run(args);
}
if (args.Length > 0 && args[0] == ParquetDataset.Command)
{
    return await ParquetDataset.RunAsync(args);
}
BenchmarkSwitcher.FromAssembly(typeof(BenchmarkModels).Assembly).Run(args);
return 0;
