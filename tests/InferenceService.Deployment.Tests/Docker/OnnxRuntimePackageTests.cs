using System.Text.Json;
using InferenceService.Deployment.Tests.TestSupport;

namespace InferenceService.Deployment.Tests.Docker;

/// <summary>
/// The OnnxRuntimePackage values the Dockerfile and CI pass select the ONNX Runtime packages they promise: Cpu the CPU
/// package, Gpu (the default) the GPU one, each with the managed binding, all at one version. Read from MSBuild's own
/// evaluation of the service's projects, so it holds wherever the build declares the choice.
/// </summary>
public sealed class OnnxRuntimePackageTests
{
    private const string Cpu = "Microsoft.ML.OnnxRuntime", Gpu = "Microsoft.ML.OnnxRuntime.Gpu", Managed = "Microsoft.ML.OnnxRuntime.Managed";

    public static readonly TheoryData<string, string, string> Selections = new()
    {
        { "cpu", Cpu, Gpu },
        { "gpu", Gpu, Cpu },
    };

    [Theory]
    [MemberData(nameof(Selections))]
    public async Task DockerfileFlavour_SelectsItsNativePackageAndTheManagedBindingOnly(string flavor, string expected, string other)
    {
        var value = DockerfileTests.OnnxRuntimePackageOf(flavor);

        var (property, references, _) = await EvaluateAsync(value);

        Assert.Equal(value, property);
        Assert.Contains(expected, references);
        Assert.Contains(Managed, references);
        Assert.DoesNotContain(other, references);
    }

    [Fact]
    public async Task Default_IsGpuAndEveryOnnxRuntimePackageHasOneVersion()
    {
        var (property, references, versions) = await EvaluateAsync(null);

        Assert.Equal("Gpu", property);
        Assert.Contains(Gpu, references);
        Assert.DoesNotContain(Cpu, references);
        var onnxRuntime = versions.Where(v => v.Key.StartsWith(Cpu, StringComparison.Ordinal)).ToDictionary();
        Assert.Superset(new HashSet<string> { Cpu, Gpu, Managed }, onnxRuntime.Keys.ToHashSet());
        Assert.True(onnxRuntime.Values.Distinct().Count() == 1,
            $"The ONNX Runtime packages must share one version: {string.Join(", ", onnxRuntime.Select(v => $"{v.Key} {v.Value}"))}.");
    }

    [Fact]
    public void Workflow_TestsEveryFlavourTheDockerfilePublishes()
    {
        var matrix = YamlFiles.LoadSingle(Manifests.Workflow).At("jobs.test.strategy.matrix.onnxruntime").Items().Select(i => i.Text()!).Order(StringComparer.Ordinal);

        Assert.Equal(DockerfileTests.FlavorNames.Select(DockerfileTests.OnnxRuntimePackageOf).Order(StringComparer.Ordinal), matrix);
    }

    /// <summary>OnnxRuntimePackage as evaluated, the packages referenced by the service or any project it references, and the central versions.</summary>
    private static async Task<(string Property, HashSet<string> References, Dictionary<string, string> Versions)> EvaluateAsync(string? onnxRuntimePackage)
    {
        var property = "";
        var references = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var versions = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var project in ProjectFiles.Closure("src/InferenceService/InferenceService.csproj"))
        {
            string[] arguments = ["msbuild", RepositoryFiles.PathOf(project), "-getProperty:OnnxRuntimePackage", "-getItem:PackageReference", "-getItem:PackageVersion",
                .. onnxRuntimePackage is null ? Array.Empty<string>() : [$"-p:OnnxRuntimePackage={onnxRuntimePackage}"]];
            var (exitCode, output) = await ProcessRunner.RunAsync(Dotnet.Host, arguments, environment: null, RepositoryFiles.Root, TimeSpan.FromMinutes(2));
            Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} failed ({exitCode}):\n{output}");
            using var json = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]);
            property = json.RootElement.GetProperty("Properties").GetProperty("OnnxRuntimePackage").GetString() ?? "";
            var items = json.RootElement.GetProperty("Items");
            if (items.TryGetProperty("PackageReference", out var packageReferences))
            {
                references.UnionWith(packageReferences.EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!));
            }
            if (items.TryGetProperty("PackageVersion", out var packageVersions))
            {
                foreach (var version in packageVersions.EnumerateArray())
                {
                    versions[version.GetProperty("Identity").GetString()!] = version.GetProperty("Version").GetString()!;
                }
            }
        }
        return (property, references, versions);
    }
}
