using InferenceService.Deployment.Tests.TestSupport;
using InferenceService.Engine.Repository;

namespace InferenceService.Deployment.Tests.Kubernetes;

/// <summary>
/// The kustomizations: every file they name exists, patches and images apply to objects of the base, and the GPU overlay
/// asks for a GPU and enables CUDA. (CI also renders both overlays with kubectl kustomize.)
/// </summary>
public sealed class KustomizationTests
{
    public static readonly TheoryData<string> Folders = new() { Manifests.K8sBase, Manifests.Overlays[0], Manifests.Overlays[1], Manifests.Overlays[2], Manifests.Overlays[3] };

    [Theory]
    [MemberData(nameof(Folders))]
    public void Kustomization_EveryFileItNamesExists(string folder)
    {
        foreach (var reference in Manifests.KustomizationReferences(folder))
        {
            Assert.True(File.Exists(RepositoryFiles.PathOf(reference)) || File.Exists(RepositoryFiles.PathOf($"{reference}/kustomization.yaml")),
                $"{folder}/kustomization.yaml names {reference}, which does not exist.");
        }
    }

    [Fact]
    public void Base_GeneratesTheConfigMapTheDeploymentMounts()
    {
        var generator = Assert.Single(YamlFiles.LoadSingle($"{Manifests.K8sBase}/kustomization.yaml").Get("configMapGenerator").Items());
        var volume = Assert.Single(Manifests.DeploymentObject.At("spec.template.spec.volumes").Items(), v => v.TextAt("name") == "config");

        Assert.Equal(generator.TextAt("name"), volume.TextAt("configMap.name"));
        Assert.Equal([Path.GetFileName(Manifests.BaseSettings)], generator.Get("files").Items().Select(f => f.Text()));
    }

    [Theory]
    [InlineData("docker/k8s/overlays/cpu", "")]
    [InlineData("docker/k8s/overlays/gpu", "-gpu")]
    public void Overlay_SetsTheImageOfTheDeploymentsContainerToATagCiPublishes(string overlay, string suffix)
    {
        var image = Assert.Single(YamlFiles.LoadSingle($"{overlay}/kustomization.yaml").Get("images").Items());

        Assert.Equal(Manifests.DeploymentContainer.TextAt("image"), image.TextAt("name"));
        Assert.StartsWith("ghcr.io/", image.TextAt("newName"), StringComparison.Ordinal);
        Assert.EndsWith("/inferenceservice", image.TextAt("newName"), StringComparison.Ordinal);
        Assert.Equal($"latest{suffix}", image.TextAt("newTag"));
    }

    [Theory]
    [InlineData("docker/k8s/overlays/gpu")]
    [InlineData(Manifests.SharedStateOverlay)]
    public void Overlay_PatchesOnlyObjectsOfTheBase(string overlay)
    {
        var baseObjects = Manifests.KustomizationReferences(Manifests.K8sBase).Where(r => r.EndsWith(".yaml", StringComparison.Ordinal))
            .SelectMany(YamlFiles.Load).Select(o => (o.TextAt("kind"), o.TextAt("metadata.name"))).ToHashSet();

        foreach (var patch in YamlFiles.LoadSingle($"{overlay}/kustomization.yaml").Get("patches").Items())
        {
            var target = YamlFiles.LoadSingle($"{overlay}/{patch.TextAt("path")}");
            Assert.Contains((target.TextAt("kind"), target.TextAt("metadata.name")), baseObjects);
        }
    }

    [Fact]
    public void GpuOverlay_AsksForOneGpuOnGpuNodesAndEnablesCuda()
    {
        const string overlay = "docker/k8s/overlays/gpu";
        var patch = YamlFiles.LoadSingle($"{overlay}/deployment-gpu.yaml");
        var container = Assert.Single(patch.At("spec.template.spec.containers").Items());

        Assert.Equal(Manifests.DeploymentContainer.TextAt("name"), container.TextAt("name"));
        Assert.Equal("1", container.At("resources.limits").Strings()["nvidia.com/gpu"]);
        Assert.Contains(patch.At("spec.template.spec.tolerations").Items(), t => t.TextAt("key") == "nvidia.com/gpu");
        Assert.NotEmpty(patch.At("spec.template.spec.nodeSelector").Strings());

        var generator = Assert.Single(YamlFiles.LoadSingle($"{overlay}/kustomization.yaml").Get("configMapGenerator").Items());
        Assert.Equal("replace", generator.TextAt("behavior"));
        var settings = RepositoryFiles.ReadJson($"{overlay}/appsettings.Production.json");
        var problems = new List<string>();
        var providers = ModelParameters.ParseExecutionProviders(settings.GetProperty("OnnxRuntime").GetProperty("ExecutionProviders").GetString()!, overlay, problems);
        Assert.Empty(problems);
        Assert.Equal("cuda", providers[0]);
    }
}
