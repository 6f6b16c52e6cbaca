using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(InferenceService.Benchmarks.BenchmarkModels).Assembly).Run(args);
