using InferenceService.Deployment.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace InferenceService.Deployment.Tests.Ci;

/// <summary>The CI workflow: its triggers, the build and test it runs, and the images it builds from the Dockerfile.</summary>
public sealed class WorkflowTests
{
    private static readonly YamlNode s_workflow = YamlFiles.LoadSingle(Manifests.Workflow);

    private static IReadOnlyList<YamlNode> Steps(string job) => s_workflow.At($"jobs.{job}.steps").Items();

    private static YamlNode Uses(string job, string action) =>
        Assert.Single(Steps(job), s => s.Get("uses").Text()?.StartsWith(action + "@", StringComparison.Ordinal) == true);

    private const string MatrixValue = "${{ matrix.onnxruntime }}";

    private static IEnumerable<string> Runs(string job) => Steps(job).Select(s => s.Get("run").Text()).OfType<string>();

    [Fact]
    public void Workflow_RunsOnPushesAndPullRequests()
    {
        var on = s_workflow.At("on");

        Assert.NotNull(on.Get("push"));
        Assert.NotNull(on.Get("pull_request"));
        Assert.Contains("v*", on.At("push.tags").Items().Select(t => t.Text()));
    }

    [Fact]
    public void TestJob_SetsUpTheSdkOfGlobalJsonAndNothingElse()
    {
        Assert.Equal("global.json", Uses("test", "actions/setup-dotnet").TextAt("with.global-json-file"));
        Assert.True(File.Exists(RepositoryFiles.PathOf("global.json")));
        // ONNX Runtime comes from NuGet: no Node.js, no npm, no download cache of its own.
        Assert.DoesNotContain(Steps("test"), s => s.Get("uses").Text()?.StartsWith("actions/setup-node@", StringComparison.Ordinal) == true);
        var caches = Steps("test").Where(s => s.Get("uses").Text()?.StartsWith("actions/cache@", StringComparison.Ordinal) == true).ToArray();
        Assert.Equal(["~/.nuget/packages"], caches.Select(c => c.TextAt("with.path")));
    }

    [Fact]
    public void TestJob_CachesNuGetPackagesPerFlavourKeyedByTheFilesThatChooseThem()
    {
        var key = Uses("test", "actions/cache").TextAt("with.key");

        foreach (var file in new[] { "Directory.Packages.props", "Directory.Build.props", "**/*.csproj" })
        {
            Assert.Contains($"'{file}'", key, StringComparison.Ordinal);
        }
        // The flavours restore different packages: one cache each, or they would overwrite each other's.
        Assert.Contains(MatrixValue, key, StringComparison.Ordinal);
    }

    [Fact]
    public void TestJob_IsAMatrixOverBothOnnxRuntimePackagesPassedToRestoreBuildAndTest()
    {
        var flavours = s_workflow.At("jobs.test.strategy.matrix.onnxruntime").Items().Select(f => f.Text()!).ToArray();

        Assert.Equal(["Gpu", "Cpu"], flavours);
        Assert.Equal("false", s_workflow.TextAt("jobs.test.strategy.fail-fast"));
        foreach (var command in new[] { "dotnet restore", "dotnet build", "dotnet test" })
        {
            var run = Assert.Single(Runs("test"), r => r.StartsWith(command + " ", StringComparison.Ordinal));
            Assert.Contains($"-p:OnnxRuntimePackage={MatrixValue}", run, StringComparison.Ordinal);
        }
        // Each leg uploads and reports its own results (artifact names must be unique within a run).
        Assert.Contains(MatrixValue, Uses("test", "actions/upload-artifact").TextAt("with.name"), StringComparison.Ordinal);
        Assert.Contains(MatrixValue, Uses("test", "dorny/test-reporter").TextAt("with.name"), StringComparison.Ordinal);
    }

    [Fact]
    public void TestJob_BuildsWithWarningsAsErrorsAndPublishesTrxResults()
    {
        Assert.Contains(Runs("test"), r => r.StartsWith("dotnet build InferenceService.sln -c Release", StringComparison.Ordinal) && r.Contains("-warnaserror", StringComparison.Ordinal));
        var test = Assert.Single(Runs("test"), r => r.StartsWith("dotnet test InferenceService.sln", StringComparison.Ordinal));
        Assert.Contains("--logger trx", test, StringComparison.Ordinal);
        Assert.Equal("always()", Uses("test", "actions/upload-artifact").TextAt("if"));
        Assert.Equal("dotnet-trx", Uses("test", "dorny/test-reporter").TextAt("with.reporter"));
    }

    [Theory]
    [InlineData("install-prometheus")]
    [InlineData("install-redis")]
    [InlineData("install-postgresql")]
    public void TestJob_AndCiRun_InstallTheServersTheTestsStartBeforeTheTests(string script)
    {
        var install = $"bash .ci/{script}";
        var runs = Runs("test").ToList();
        var installed = runs.FindIndex(r => r.Trim() == install);
        var test = runs.FindIndex(r => r.StartsWith("dotnet test", StringComparison.Ordinal));

        Assert.True(installed >= 0 && installed < test, $"The test job runs no \"{install}\" step before dotnet test.");
        Assert.True(File.Exists(RepositoryFiles.PathOf($".ci/{script}")));
        var ciRun = RepositoryFiles.ReadText(".ci/run");
        var ciInstall = ciRun.IndexOf(install, StringComparison.Ordinal);
        Assert.True(ciInstall >= 0 && ciInstall < ciRun.IndexOf("dotnet test", ciInstall, StringComparison.Ordinal),
            $".ci/run does not call \"{install}\" before dotnet test.");
    }

    [Fact]
    public void TestJob_RendersEveryOverlay()
    {
        var render = Assert.Single(Runs("test"), r => r.Contains("kubectl kustomize", StringComparison.Ordinal));

        Assert.All(Manifests.Overlays, overlay => Assert.Contains($"kubectl kustomize {overlay}", render, StringComparison.Ordinal));
    }

    [Fact]
    public void ImagesJob_BuildsEveryFlavorOfTheDockerfileAndPushesOnlyVersionTagsToGhcr()
    {
        var images = s_workflow.At("jobs.images");
        var flavors = images.At("strategy.matrix.flavor").Items().Select(f => f.Text()!).ToArray();
        var build = Uses("images", "docker/build-push-action");
        var dockerfile = DockerfileModel.Load();

        Assert.Equal("test", images.TextAt("needs"));
        Assert.Equal(["cpu", "gpu"], flavors);
        Assert.All(flavors, flavor => dockerfile.Stage($"runtime-{flavor}"));
        Assert.Equal("Dockerfile", build.TextAt("with.file"));
        Assert.Contains("FLAVOR=${{ matrix.flavor }}", build.TextAt("with.build-args"), StringComparison.Ordinal);
        Assert.Equal("${{ startsWith(github.ref, 'refs/tags/v') }}", build.TextAt("with.push"));
        Assert.StartsWith("type=gha", build.TextAt("with.cache-from"), StringComparison.Ordinal);
        Assert.StartsWith("type=gha", build.TextAt("with.cache-to"), StringComparison.Ordinal);
        Assert.StartsWith("ghcr.io/", Uses("images", "docker/metadata-action").TextAt("with.images"), StringComparison.Ordinal);
        Assert.Equal("ghcr.io", Uses("images", "docker/login-action").TextAt("with.registry"));
        Assert.Equal("write", images.TextAt("permissions.packages"));
    }
}
