using System.Globalization;
using System.Xml.Linq;
using InferenceService.Deployment.Tests.TestSupport;
using InferenceService.Health;

namespace InferenceService.Deployment.Tests.Docker;

/// <summary>The Dockerfile against the app: ports, health check, user, entry point, settings, and what gets restored.</summary>
[Collection(AppSurfaceCollection.Name)]
public sealed class DockerfileTests(AppSurface app)
{
    public static readonly TheoryData<string> Flavors = new() { "cpu", "gpu" };

    private static readonly DockerfileModel s_dockerfile = DockerfileModel.Load();

    private static DockerStage Runtime(string flavor) => s_dockerfile.Stage($"runtime-{flavor}");

    [Fact]
    public void Flavor_DefaultsToCpuAndSelectsARuntimeStage()
    {
        Assert.Equal("cpu", s_dockerfile.GlobalArgs["FLAVOR"]);
        var final = s_dockerfile.Stages[^1];
        Assert.Equal("runtime-${FLAVOR}", final.Base);
        Assert.Equal(["runtime-cpu", "runtime-gpu"], s_dockerfile.Stages.Select(s => s.Name).Where(n => n.StartsWith("runtime-", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Flavors))]
    public void RuntimeStage_ExposesThePortTheAppListensOn(string flavor)
    {
        var image = Runtime(flavor);
        var exposed = Assert.Single(image.All("EXPOSE"));
        Assert.Equal(exposed, image.Env["ASPNETCORE_HTTP_PORTS"]);
    }

    [Theory]
    [MemberData(nameof(Flavors))]
    public void RuntimeStage_HealthCheckRunsTheAppsOwnCheckAgainstItsLivenessRoute(string flavor)
    {
        var image = Runtime(flavor);
        var (options, command) = image.HealthCheck;
        var workdir = image.Last("WORKDIR");

        Assert.Equal(["dotnet", $"{workdir}/{AppAssembly}", HealthCheckCommand.Switch], command[..3]);
        var url = new Uri(Assert.Single(command[3..]));
        Assert.Equal("127.0.0.1", url.Host);
        Assert.Equal(image.Env["ASPNETCORE_HTTP_PORTS"], url.Port.ToString(CultureInfo.InvariantCulture));
        app.AssertGetRoute(url.AbsolutePath, $"The {flavor} image's HEALTHCHECK");
        Assert.EndsWith("/live", url.AbsolutePath, StringComparison.Ordinal);
        // The command gives up before Docker does, so a hung server is reported as unhealthy rather than as a timeout.
        Assert.True(Seconds(options["timeout"]) > HealthCheckCommand.Timeout, $"HEALTHCHECK --timeout={options["timeout"]} must exceed the command's own {HealthCheckCommand.Timeout}.");
    }

    [Theory]
    [MemberData(nameof(Flavors))]
    public void RuntimeStage_RunsTheAppAsANumericNonRootUserAndStopsOnSigterm(string flavor)
    {
        var image = Runtime(flavor);

        Assert.Equal(["dotnet", AppAssembly], DockerfileModel.ExecForm(image.Last("ENTRYPOINT")!));
        Assert.Equal("/app", image.Last("WORKDIR"));
        // Numeric, so Kubernetes' runAsNonRoot can check it without resolving a name.
        Assert.True(int.TryParse(image.Last("USER"), out var uid) && uid > 0, $"USER {image.Last("USER")} is not a numeric non-root user.");
        Assert.Equal("SIGTERM", image.Last("STOPSIGNAL"));
        Assert.Contains(image.All("COPY"), c => c.EndsWith($"/app .", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Flavors))]
    public void RuntimeStage_EnvironmentNamesOnlyWhatTheAppReads(string flavor)
    {
        foreach (var name in Runtime(flavor).Env.Keys)
        {
            EnvironmentVariables.AssertKnown(name, app, $"The {flavor} image's ENV");
        }
        Assert.Equal("/models", Runtime(flavor).Env["ModelRepository__Path"]);
    }

    [Theory]
    [MemberData(nameof(Flavors))]
    public void Image_CarriesOciLabels(string flavor)
    {
        var labels = Runtime(flavor).Labels.Concat(s_dockerfile.Stages[^1].Labels).Select(l => l.Key).ToHashSet();

        Assert.Superset(new HashSet<string>
        {
            "org.opencontainers.image.title", "org.opencontainers.image.description", "org.opencontainers.image.base.name",
            "org.opencontainers.image.version", "org.opencontainers.image.revision",
        }, labels);
    }

    [Fact]
    public void RestoreStage_CopiesEveryProjectTheServiceReferencesAndTheSharedBuildFiles()
    {
        var copied = s_dockerfile.Stage("restore").All("COPY").SelectMany(c => c.Split(' ')[..^1]).ToHashSet(StringComparer.Ordinal);

        Assert.Superset(new HashSet<string> { "global.json", "Directory.Build.props", "Directory.Packages.props" }, copied);
        foreach (var project in ProjectClosure("src/InferenceService/InferenceService.csproj"))
        {
            Assert.True(copied.Contains(project), $"The restore stage does not copy {project}, which the service references: restore would fail in the image.");
            foreach (var import in Imports(project))
            {
                Assert.True(copied.Contains(import) || copied.Contains(Path.GetDirectoryName(import)!.Replace('\\', '/') + "/"),
                    $"The restore stage does not copy {import}, which {project} imports.");
            }
        }
        Assert.Contains(s_dockerfile.Stage("restore").All("RUN"), r => r.StartsWith("dotnet restore src/InferenceService/InferenceService.csproj", StringComparison.Ordinal));
    }

    [Fact]
    public void PublishStages_PublishTheServiceAndTheGpuOneLeavesOutTheCpuLibrary()
    {
        string Publish(string stage) => Assert.Single(s_dockerfile.Stage(stage).All("RUN"), r => r.Contains("dotnet publish", StringComparison.Ordinal));

        Assert.Contains("src/InferenceService/InferenceService.csproj -c Release -o /app --no-restore", Publish("publish-cpu"), StringComparison.Ordinal);
        Assert.DoesNotContain("OnnxRuntimeSkipNative", Publish("publish-cpu"), StringComparison.Ordinal);
        Assert.Contains("-p:OnnxRuntimeSkipNative=true", Publish("publish-gpu"), StringComparison.Ordinal);
        Assert.Contains("--from=publish-cpu", Assert.Single(Runtime("cpu").All("COPY"), c => c.Contains("publish", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("--from=publish-gpu", Assert.Single(Runtime("gpu").All("COPY"), c => c.Contains("publish", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public void GpuStage_UsesTheOnnxRuntimeVersionOfTheBuildAndACudaBaseItSupports()
    {
        // The binding is built and tested against the version the build fetches; the GPU image must install the same.
        var targets = XDocument.Parse(RepositoryFiles.ReadText("src/InferenceService.OnnxRuntime/build/OnnxRuntimeNative.targets"));
        var version = targets.Descendants("OnnxRuntimeVersion").Single().Value;
        Assert.Equal(version, s_dockerfile.GlobalArgs["ONNXRUNTIME_VERSION"]);

        // ONNX Runtime 1.30's CUDA provider: CUDA 12.x with cuDNN 9; Ubuntu 24.04 like the ASP.NET runtime it gets.
        Assert.Matches(@"^nvidia/cuda:12\.\d+\.\d+-cudnn-runtime-ubuntu24\.04$", s_dockerfile.GlobalArgs["CUDA_IMAGE"]);
        Assert.Equal("${CUDA_IMAGE}", Runtime("gpu").Base);
        Assert.EndsWith("-noble", Runtime("cpu").Base, StringComparison.Ordinal);
    }

    [Fact]
    public void GpuStage_PointsTheBindingAtTheInstalledGpuBuild()
    {
        var library = Runtime("gpu").Env["OnnxRuntime__LibraryPath"];
        var installed = Assert.Single(Runtime("gpu").All("COPY"), c => c.StartsWith("--from=onnxruntime-gpu ", StringComparison.Ordinal)).Split(' ')[^1];
        var checkedFiles = s_dockerfile.Stage("onnxruntime-gpu").All("RUN").Single();

        Assert.Equal(installed, Path.GetDirectoryName(library));
        // The download stage fails the build unless the library and its CUDA provider are where the setting says.
        Assert.Contains($"test -e {library};", checkedFiles, StringComparison.Ordinal);
        Assert.Contains($"test -e {installed}/libonnxruntime_providers_cuda.so;", checkedFiles, StringComparison.Ordinal);
        Assert.Equal("cuda", Runtime("gpu").Env["OnnxRuntime__ExecutionProviders"]);
    }

    [Fact]
    public void DockerIgnore_KeepsBuildOutputAndTestsOutButNotTheSources()
    {
        var patterns = RepositoryFiles.ReadText(".dockerignore").Split('\n').Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

        Assert.Superset(new HashSet<string> { "**/bin/", "**/obj/", "tests/", ".git/" }, patterns.ToHashSet());
        Assert.DoesNotContain(patterns, p => p.StartsWith("src", StringComparison.Ordinal) || p.StartsWith("Directory", StringComparison.Ordinal) || p == "global.json");
    }

    private static string AppAssembly => typeof(Program).Assembly.GetName().Name + ".dll";

    private static TimeSpan Seconds(string duration) =>
        TimeSpan.FromSeconds(int.Parse(duration.TrimEnd('s'), CultureInfo.InvariantCulture));

    /// <summary>The files a project imports, relative to the repository root.</summary>
    private static IEnumerable<string> Imports(string project) =>
        XDocument.Parse(RepositoryFiles.ReadText(project)).Descendants("Import")
            .Select(i => Path.GetRelativePath(RepositoryFiles.Root, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(RepositoryFiles.PathOf(project))!, i.Attribute("Project")!.Value))).Replace('\\', '/'));

    /// <summary>The project and every project it references, transitively, relative to the repository root.</summary>
    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }
            var folder = Path.GetDirectoryName(RepositoryFiles.PathOf(current))!;
            foreach (var reference in XDocument.Parse(RepositoryFiles.ReadText(current)).Descendants("ProjectReference"))
            {
                var path = Path.GetFullPath(Path.Combine(folder, reference.Attribute("Include")!.Value));
                pending.Push(Path.GetRelativePath(RepositoryFiles.Root, path).Replace('\\', '/'));
            }
        }
        return seen;
    }
}
