using InferenceService.Deployment.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace InferenceService.Deployment.Tests.Kubernetes;

/// <summary>Service, HPA, PDB and the model volume claim against the Deployment they belong to.</summary>
public sealed class ClusterObjectTests
{
    private static readonly YamlNode s_deployment = Manifests.DeploymentObject;

    private static IReadOnlyDictionary<string, string> PodLabels => s_deployment.At("spec.template.metadata.labels").Strings();

    private static void AssertSelectsThePods(IReadOnlyDictionary<string, string> selector, string what)
    {
        Assert.NotEmpty(selector);
        Assert.All(selector, pair => Assert.True(PodLabels.TryGetValue(pair.Key, out var value) && value == pair.Value,
            $"{what} selects {pair.Key}={pair.Value}, which the Deployment's pods do not carry."));
    }

    [Fact]
    public void Deployment_SelectorMatchesItsPodTemplate() =>
        AssertSelectsThePods(s_deployment.At("spec.selector.matchLabels").Strings(), "The Deployment");

    [Fact]
    public void Service_SelectsThePodsAndTargetsTheirHttpAndGrpcPorts()
    {
        var service = YamlFiles.Object("docker/k8s/base/service.yaml", "Service");
        var ports = service.At("spec.ports").Items().ToArray();
        var containerPorts = Manifests.DeploymentContainer.Get("ports").Items().ToArray();

        AssertSelectsThePods(service.At("spec.selector").Strings(), "The Service");
        Assert.Equal(containerPorts.Select(p => p.TextAt("name")), ports.Select(p => p.TextAt("targetPort")));
        Assert.Equal(["http", "grpc"], ports.Select(p => p.TextAt("name")));
        // gRPC is HTTP/2 without TLS: proxies and meshes that read appProtocol speak it from the first byte.
        Assert.Equal("kubernetes.io/h2c", ports[1].TextAt("appProtocol"));
    }

    [Fact]
    public void PodDisruptionBudget_SelectsThePodsAndLetsDrainsProceed()
    {
        var pdb = YamlFiles.Object("docker/k8s/base/pdb.yaml", "PodDisruptionBudget");

        AssertSelectsThePods(pdb.At("spec.selector.matchLabels").Strings(), "The PodDisruptionBudget");
        Assert.Equal("1", pdb.TextAt("spec.maxUnavailable"));
    }

    [Fact]
    public void HorizontalPodAutoscaler_ScalesTheDeploymentOnCpuItRequests()
    {
        var hpa = YamlFiles.Object("docker/k8s/base/hpa.yaml", "HorizontalPodAutoscaler");

        Assert.Equal("autoscaling/v2", hpa.TextAt("apiVersion"));
        Assert.Equal("Deployment", hpa.TextAt("spec.scaleTargetRef.kind"));
        Assert.Equal(s_deployment.TextAt("metadata.name"), hpa.TextAt("spec.scaleTargetRef.name"));
        var cpu = Assert.Single(hpa.At("spec.metrics").Items(), m => m.Get("resource").Get("name").Text() == "cpu");
        Assert.Equal("Utilization", cpu.TextAt("resource.target.type"));
        // Utilization is relative to the request: without one the HPA cannot compute it.
        Assert.NotNull(Manifests.DeploymentContainer.At("resources.requests").Get("cpu"));
        // Two pods at least, so the PDB's one disruption never takes the service down.
        Assert.True(hpa.IntAt("spec.minReplicas") >= 2);
    }

    [Fact]
    public void ModelsClaim_IsTheOneTheDeploymentMountsAndSharedReadOnly()
    {
        var claim = YamlFiles.Object("docker/k8s/base/models-pvc.yaml", "PersistentVolumeClaim");
        var volume = Assert.Single(s_deployment.At("spec.template.spec.volumes").Items(), v => v.TextAt("name") == "models");

        Assert.Equal(claim.TextAt("metadata.name"), volume.TextAt("persistentVolumeClaim.claimName"));
        Assert.Equal(["ReadOnlyMany"], claim.At("spec.accessModes").Items().Select(m => m.Text()));
    }
}
