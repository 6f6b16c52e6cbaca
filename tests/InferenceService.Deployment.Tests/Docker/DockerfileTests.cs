using System.Globalization;
using InferenceService.Deployment.Tests.TestSupport;
using InferenceService.Health;

namespace InferenceService.Deployment.Tests.Docker;

/// <summary>The Dockerfile against the app: ports, health check, user, entry point, settings, and what gets restored.</summary>
[Collection(AppSurfaceCollection.Name)]
public sealed class DockerfileTests(AppSurface app)
{
    public static readonly IReadOnlyList<string> FlavorNames = ["cpu", "gpu"];

    public static readonly TheoryData<string> Flavors = [.. FlavorNames];

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
        var exposed = Assert.Single(image.All("EXPOSE")).Split(' ');
        // HTTP first, then the V2 gRPC service's port (Triton's 8001), which the app takes from Grpc__Url.
        Assert.Equal([image.Env["ASPNETCORE_HTTP_PORTS"], "8001"], exposed);
        var grpc = new Uri(image.Env["Grpc__Url"].Replace("://+", "://0.0.0.0", StringComparison.Ordinal));
        Assert.Equal("http", grpc.Scheme);
        Assert.Equal(8001, grpc.Port);
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
        foreach (var project in ProjectFiles.Closure("src/InferenceService/InferenceService.csproj"))
        {
            Assert.True(copied.Contains(project), $"The restore stage does not copy {project}, which the service references: restore would fail in the image.");
            foreach (var import in ProjectFiles.Imports(project))
            {
                Assert.True(copied.Contains(import) || copied.Contains(Path.GetDirectoryName(import)!.Replace('\\', '/') + "/"),
                    $"The restore stage does not copy {import}, which {project} imports.");
            }
        }
        Assert.DoesNotContain(s_dockerfile.Stage("restore").All("COPY"), c => c.StartsWith("src/ ", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Flavors))]
    public void PublishStage_RestoresFromTheProjectFilesAloneThenPublishesLinuxX64WithItsOnnxRuntimePackage(string flavor)
    {
        var stage = s_dockerfile.Stage($"publish-{flavor}");
        var package = OnnxRuntimePackageOf(flavor);
        var instructions = stage.Instructions.ToList();
        var restore = Assert.Single(instructions, i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet restore src/InferenceService/InferenceService.csproj", StringComparison.Ordinal));
        var sources = Assert.Single(instructions, i => i.Keyword == "COPY" && i.Arguments == "src/ src/");
        var publish = Assert.Single(instructions, i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));

        Assert.Equal("restore", stage.Base);
        // Restored before the sources are copied: a code change does not restore again.
        Assert.True(instructions.IndexOf(restore) < instructions.IndexOf(sources) && instructions.IndexOf(sources) < instructions.IndexOf(publish));
        foreach (var run in new[] { restore.Arguments, publish.Arguments })
        {
            Assert.Equal([package], Words(run).Where(w => w.StartsWith("-p:OnnxRuntimePackage=", StringComparison.Ordinal)).Select(w => w.Split('=')[1]));
            Assert.Contains("-r linux-x64", run, StringComparison.Ordinal);
        }
        Assert.Contains("dotnet publish src/InferenceService/InferenceService.csproj -c Release -o /app --no-restore -r linux-x64 --self-contained false", publish.Arguments, StringComparison.Ordinal);
        Assert.Contains("-p:UseAppHost=false", Words(publish.Arguments));
        Assert.Contains($"--from=publish-{flavor}", Assert.Single(Runtime(flavor).All("COPY"), c => c.Contains("publish", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public void PublishStages_NameBothOnnxRuntimePackagesAndNoneOfTheOldBindingsSwitches()
    {
        Assert.Equal(["Cpu", "Gpu"], FlavorNames.Select(OnnxRuntimePackageOf).Order(StringComparer.Ordinal));
        var text = RepositoryFiles.ReadText("Dockerfile");
        foreach (var gone in new[] { "OnnxRuntimeSkipNative", "ONNXRUNTIME_VERSION", "ONNXRUNTIME_GPU_SHA256", "OnnxRuntime__LibraryPath", "ONNXRUNTIME_LIBRARY_PATH", ".tgz" })
        {
            Assert.DoesNotContain(gone, text, StringComparison.Ordinal);
        }
        // Nothing is downloaded by URL: every input is a base image or a package the restore pins.
        Assert.DoesNotContain(s_dockerfile.Stages.SelectMany(s => s.Instructions), i => i.Keyword == "ADD");
        Assert.DoesNotContain(s_dockerfile.Stages.SelectMany(s => s.All("RUN")), r => r.Contains("curl ", StringComparison.Ordinal) || r.Contains("wget ", StringComparison.Ordinal));
        Assert.DoesNotContain(s_dockerfile.GlobalArgs.Keys, k => k.StartsWith("ONNXRUNTIME", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Flavors))]
    public void PublishStage_RemovesTheWindowsNativesTheOnnxRuntimePackagesCopyButNotTheManagedBinding(string flavor)
    {
        var publish = Assert.Single(s_dockerfile.Stage($"publish-{flavor}").All("RUN"), r => r.Contains("dotnet publish", StringComparison.Ordinal));
        var removal = Words(publish).SkipWhile(w => w != "rm").Skip(1).SkipWhile(w => w.StartsWith('-')).TakeWhile(w => w != "&&").ToArray();
        var pattern = Path.GetFileName(Assert.Single(removal));
        Assert.StartsWith("/app/", Assert.Single(removal), StringComparison.Ordinal);
        bool Removed(string file) => System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(pattern, Path.GetFileName(file), ignoreCase: false);

        // The build's own output has both kinds: the managed binding and, under runtimes/win-*, the packages' Windows natives.
        var dlls = Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll", SearchOption.AllDirectories).ToArray();
        var managed = dlls.Where(IsManaged).ToArray();
        var windowsNatives = dlls.Where(d => d.Contains($"{Path.DirectorySeparatorChar}win-", StringComparison.Ordinal) && !IsManaged(d)
                                             && Path.GetFileName(d).Contains("onnxruntime", StringComparison.Ordinal)).ToArray();
        Assert.Contains(managed, d => Path.GetFileName(d) == "Microsoft.ML.OnnxRuntime.dll");
        Assert.NotEmpty(windowsNatives);
        Assert.All(windowsNatives, d => Assert.True(Removed(d), $"rm {pattern} leaves {Path.GetFileName(d)} in the image."));
        Assert.All(managed, d => Assert.False(Removed(d), $"rm {pattern} would delete the managed {Path.GetFileName(d)}."));
        // Then the image must still hold the Linux library the binding loads.
        Assert.Contains("test -e /app/libonnxruntime.so", publish, StringComparison.Ordinal);
    }

    [Fact]
    public void GpuStage_StartsFromACuda13CudnnRuntimeImageOfTheAspNetRuntimesUbuntu()
    {
        // ONNX Runtime 1.31's CUDA provider: CUDA 13.x with cuDNN 9; Ubuntu 24.04 (noble) like the ASP.NET runtime it gets.
        Assert.Matches(@"^nvidia/cuda:13\.\d+\.\d+-cudnn-runtime-ubuntu24\.04$", s_dockerfile.GlobalArgs["CUDA_IMAGE"]);
        Assert.Equal("${CUDA_IMAGE}", Runtime("gpu").Base);
        Assert.EndsWith("-noble", Runtime("cpu").Base, StringComparison.Ordinal);
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0-noble", s_dockerfile.Stage("aspnet").Base);
        Assert.Contains("CUDA 13 + cuDNN 9", Runtime("gpu").Labels["org.opencontainers.image.description"], StringComparison.Ordinal);
    }

    [Fact]
    public void GpuStage_CudaMajorIsTheOneTheBuildsCudaProviderLinks()
    {
        var provider = BuildFlavour.Native("libonnxruntime_providers_cuda.so");
        if (BuildFlavour.Require() == "Cpu")
        {
            // The CPU package has no GPU providers: what the small CPU image ships.
            Assert.True(File.Exists(BuildFlavour.Native("libonnxruntime.so")), $"The Cpu build has no {BuildFlavour.Native("libonnxruntime.so")}.");
            Assert.False(File.Exists(provider), "The Cpu build carries the CUDA provider.");
            return;
        }
        Assert.True(File.Exists(provider), $"The Gpu build has no {provider}.");
        var needed = ElfFile.Needed(provider);
        var cudart = Assert.Single(needed, n => n.StartsWith("libcudart.so.", StringComparison.Ordinal));
        var major = cudart["libcudart.so.".Length..];

        Assert.StartsWith($"nvidia/cuda:{major}.", s_dockerfile.GlobalArgs["CUDA_IMAGE"], StringComparison.Ordinal);
        // cuBLAS comes with CUDA and carries its major version.
        Assert.Contains($"libcublas.so.{major}", needed);
    }

    [Fact]
    public void GpuStage_ChecksAtBuildTimeThatTheCudaProvidersLibrariesResolveAndEnablesCuda()
    {
        var image = Runtime("gpu");
        var check = Assert.Single(image.All("RUN"), r => r.Contains("ldd ", StringComparison.Ordinal));

        Assert.Contains($"ldd {image.Last("WORKDIR")}/libonnxruntime_providers_cuda.so", check, StringComparison.Ordinal);
        Assert.Contains("not found", check, StringComparison.Ordinal);
        Assert.Contains("libcudnn", check, StringComparison.Ordinal);
        Assert.Contains("exit 1", check, StringComparison.Ordinal);
        // After the app is copied, while the build still runs as root.
        var instructions = image.Instructions.ToList();
        var at = instructions.FindIndex(i => i.Arguments == check);
        Assert.True(instructions.FindIndex(i => i.Keyword == "COPY" && i.Arguments.StartsWith("--from=publish-gpu ", StringComparison.Ordinal)) < at);
        Assert.True(at < instructions.FindIndex(i => i.Keyword == "USER"));
        Assert.Equal("cuda", image.Env["OnnxRuntime__ExecutionProviders"]);
        Assert.DoesNotContain("OnnxRuntime__LibraryPath", image.Env.Keys);
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

    /// <summary>The OnnxRuntimePackage value the flavour's publish stage passes.</summary>
    internal static string OnnxRuntimePackageOf(string flavor) =>
        Assert.Single(Words(Assert.Single(s_dockerfile.Stage($"publish-{flavor}").All("RUN"), r => r.Contains("dotnet publish", StringComparison.Ordinal))),
            w => w.StartsWith("-p:OnnxRuntimePackage=", StringComparison.Ordinal)).Split('=', 2)[1];

    private static string[] Words(string run) => run.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static bool IsManaged(string file)
    {
        using var stream = File.OpenRead(file);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        return pe.HasMetadata;
    }

    private static TimeSpan Seconds(string duration) =>
        TimeSpan.FromSeconds(int.Parse(duration.TrimEnd('s'), CultureInfo.InvariantCulture));
}
