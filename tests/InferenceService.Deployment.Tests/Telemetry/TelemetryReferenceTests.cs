using InferenceService.Deployment.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace InferenceService.Deployment.Tests.Telemetry;

/// <summary>
/// What the deployment files expect of the telemetry: GET /metrics, and the Prometheus and Grafana files compose
/// mounts, with the names and paths compose gives them.
/// </summary>
[Collection(AppSurfaceCollection.Name)]
public sealed class TelemetryReferenceTests(AppSurface app)
{
    private static readonly YamlNode s_compose = YamlFiles.LoadSingle(Manifests.Compose);

    [Fact]
    public void ScrapePaths_AreRoutesOfTheApp()
    {
        var pod = Manifests.DeploymentObject.At("spec.template.metadata.annotations").Strings();
        var runtime = YamlFiles.Object(Manifests.ServingRuntime, "ServingRuntime").At("spec.annotations").Strings();
        var port = Assert.Single(Manifests.DeploymentContainer.Get("ports").Items(), p => p.TextAt("name") == "http").TextAt("containerPort");

        app.AssertGetRoute(pod["prometheus.io/path"], "The Deployment's prometheus.io/path annotation");
        Assert.Equal(port, pod["prometheus.io/port"]);
        app.AssertGetRoute(runtime["prometheus.kserve.io/path"], "The ServingRuntime's prometheus.kserve.io/path annotation");
        Assert.Equal(port, runtime["prometheus.kserve.io/port"]);
    }

    [Fact]
    public void Compose_EveryFileItMountsExists()
    {
        foreach (var volume in s_compose.At("services").AllNodes.OfType<YamlMappingNode>().SelectMany(s => s.Get("volumes").Items()))
        {
            var source = volume.Text()!.Split(':')[0];
            if (s_compose.Get("volumes").Get(source) is not null)
            {
                continue; // a named volume compose makes, not a file of the repository
            }
            var path = RepositoryFiles.PathOf($"docker/{source}");
            Assert.True(File.Exists(path) || Directory.Exists(path), $"compose mounts {source}, which does not exist.");
        }
    }

    [Fact]
    public void Prometheus_ScrapesTheInferenceServiceAtARouteOfTheApp()
    {
        var jobs = YamlFiles.LoadSingle("docker/prometheus/prometheus.yml").Get("scrape_configs").Items();
        var port = s_compose.At("services.inference.ports").Items().First().Text()!.Split(':')[^1];

        var job = Assert.Single(jobs, j => j.Get("static_configs").Items().SelectMany(c => c.Get("targets").Items())
            .Any(t => t.Text() == $"inference:{port}"));
        app.AssertGetRoute(job.Get("metrics_path").Text() ?? "/metrics", "prometheus.yml");
    }

    [Fact]
    public void Grafana_ProvisionsDashboardsFromTheFolderComposeMounts()
    {
        var mount = s_compose.At("services.grafana.volumes").Items().Select(v => v.Text()!.Split(':'))
            .Single(v => v[0] == "./grafana/dashboards");
        var providers = Directory.EnumerateFiles(RepositoryFiles.PathOf("docker/grafana/provisioning/dashboards"), "*.y*ml")
            .SelectMany(f => YamlFiles.LoadSingle(Path.GetRelativePath(RepositoryFiles.Root, f)).Get("providers").Items());

        Assert.Contains(providers, p => p.TextAt("options.path") == mount[1]);
    }
}
