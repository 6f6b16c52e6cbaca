using InferenceService.Fuzz;
using SharpFuzz;

// fuzz <target>                 AFL++ (afl-fuzz … -- dotnet InferenceService.Fuzz.dll <target>), on an instrumented engine
// fuzz <target> --libfuzzer     libFuzzer's driver (libfuzzer-dotnet)
// fuzz <target> --replay <dir>  every file of a folder once, uninstrumented: what the corpus tests do
if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: InferenceService.Fuzz <{string.Join("|", FuzzTargets.All.Keys)}> [--libfuzzer | --replay <dir>]");
    return 2;
}
if (args is [_, "--replay", var folder])
{
    foreach (var file in Directory.EnumerateFiles(folder))
    {
        target(File.ReadAllBytes(file));
    }
    return 0;
}
if (args is [_, "--libfuzzer"])
{
    Fuzzer.LibFuzzer.Run(span => target(span.ToArray()));
    return 0;
}
Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    target(copy.ToArray());
});
return 0;
