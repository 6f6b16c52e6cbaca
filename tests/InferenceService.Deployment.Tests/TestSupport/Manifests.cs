using YamlDotNet.RepresentationModel;

namespace InferenceService.Deployment.Tests.TestSupport;

/// <summary>The deployment files the tests read, by path, and the parts of them several tests need.</summary>
internal static class Manifests
{
    public const string Compose = "docker/compose.yaml";
    public const string CollectorConfig = "docker/otel-collector/config.yaml";
    public const string K8sBase = "docker/k8s/base";
    public const string Deployment = "docker/k8s/base/deployment.yaml";
    public const string BaseSettings = "docker/k8s/base/appsettings.Production.json";
    public const string ServingRuntime = "docker/kserve/servingruntime.yaml";
    public const string KServeInferenceService = "docker/kserve/inferenceservice.yaml";
    public const string Workflow = ".github/workflows/ci.yml";

    public const string SharedStateOverlay = "docker/k8s/overlays/shared-state";

    /// <summary>The shared-state overlay with the Redis and Secret of a test cluster.</summary>
    public const string SharedStateTestCluster = "docker/k8s/overlays/shared-state/test-cluster";

    public static readonly string[] Overlays = ["docker/k8s/overlays/cpu", "docker/k8s/overlays/gpu", SharedStateOverlay, SharedStateTestCluster];

    /// <summary>Every appsettings.Production.json a kustomization mounts as the pod's settings file.</summary>
    public static readonly string[] SettingsFiles =
    [
        BaseSettings,
        "docker/k8s/overlays/gpu/appsettings.Production.json",
        $"{SharedStateOverlay}/appsettings.Production.json",
    ];

    public static YamlNode DeploymentObject => YamlFiles.Object(Deployment, "Deployment");

    /// <summary>The service's container in the base Deployment.</summary>
    public static YamlNode DeploymentContainer => Assert.Single(DeploymentObject.At("spec.template.spec.containers").Items());

    public static YamlNode RuntimeContainer => Assert.Single(YamlFiles.Object(ServingRuntime, "ServingRuntime").At("spec.containers").Items());

    /// <summary>A container's env list as a dictionary.</summary>
    public static Dictionary<string, string> EnvOf(YamlNode container) =>
        container.Get("env").Items().ToDictionary(e => e.TextAt("name"), e => e.TextAt("value"), StringComparer.Ordinal);

    /// <summary>A container's env list: plain values as they are, values from a Secret as the Secret's key.</summary>
    public static Dictionary<string, string> EnvOfAny(YamlNode container) =>
        container.Get("env").Items().ToDictionary(
            e => e.TextAt("name"),
            e => e.Get("value") is { } value ? value.Text()! : e.TextAt("valueFrom.secretKeyRef.key"),
            StringComparer.Ordinal);

    /// <summary>The probes of a container, by kind (startupProbe, livenessProbe, readinessProbe), that it declares.</summary>
    public static IEnumerable<(string Kind, YamlNode Probe)> ProbesOf(YamlNode container) =>
        new[] { "startupProbe", "livenessProbe", "readinessProbe" }
            .Select(kind => (kind, container.Get(kind)))
            .Where(p => p.Item2 is not null)
            .Select(p => (p.kind, p.Item2!));

    /// <summary>The files a kustomization names: resources, patches and generator files, relative to the repository.</summary>
    public static IEnumerable<string> KustomizationReferences(string folder)
    {
        var kustomization = YamlFiles.LoadSingle($"{folder}/kustomization.yaml");
        var names = kustomization.Get("resources").Items().Select(r => r.Text()!)
            .Concat(kustomization.Get("patches").Items().Select(p => p.TextAt("path")))
            .Concat(kustomization.Get("configMapGenerator").Items().SelectMany(g => g.Get("files").Items()).Select(f => f.Text()!));
        return names.Select(name => Path.GetRelativePath(RepositoryFiles.Root, RepositoryFiles.PathOf($"{folder}/{name}")).Replace('\\', '/'));
    }
}
