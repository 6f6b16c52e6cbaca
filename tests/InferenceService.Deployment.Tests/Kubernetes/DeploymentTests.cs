using System.Globalization;
using InferenceService.Deployment.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace InferenceService.Deployment.Tests.Kubernetes;

/// <summary>The base Deployment against the image and the app: probes, ports, settings, user, shutdown timing.</summary>
[Collection(AppSurfaceCollection.Name)]
public sealed class DeploymentTests(AppSurface app)
{
    private static readonly YamlNode s_deployment = Manifests.DeploymentObject;
    private static readonly YamlNode s_container = Manifests.DeploymentContainer;
    private static readonly DockerStage s_image = DockerfileModel.Load().Stage("runtime-cpu");

    private static YamlNode Port => Assert.Single(s_container.Get("ports").Items(), p => p.TextAt("name") == "http");

    private static YamlNode GrpcPort => Assert.Single(s_container.Get("ports").Items(), p => p.TextAt("name") == "grpc");

    [Fact]
    public void Probes_AreStartupLivenessAndReadinessOnTheAppsRoutesAndPort()
    {
        var probes = Manifests.ProbesOf(s_container).ToDictionary(p => p.Kind, p => p.Probe);

        Assert.Equal(["livenessProbe", "readinessProbe", "startupProbe"], probes.Keys.Order());
        foreach (var kind in new[] { "startupProbe", "livenessProbe" })
        {
            app.AssertGetRoute(probes[kind].TextAt("httpGet.path"), $"The Deployment's {kind}");
            Assert.Contains(probes[kind].TextAt("httpGet.port"), new[] { Port.TextAt("name"), Port.TextAt("containerPort") });
        }
        // Liveness must not depend on models: a model that fails to load makes the pod unready, not restarted forever.
        Assert.EndsWith("/live", probes["livenessProbe"].TextAt("httpGet.path"), StringComparison.Ordinal);
        // Readiness is Kubernetes' gRPC probe on the gRPC port (its health service "" is readiness): a number, as
        // the grpc probe takes no port name.
        Assert.Equal(GrpcPort.TextAt("containerPort"), probes["readinessProbe"].TextAt("grpc.port"));
    }

    [Fact]
    public void ContainerPort_IsTheImagesPortAndTheOneTheAppListensOn()
    {
        var exposed = s_image.Last("EXPOSE")!.Split(' ');
        Assert.Equal(exposed, new[] { Port.TextAt("containerPort"), GrpcPort.TextAt("containerPort") });
        Assert.Equal(Port.TextAt("containerPort"), Manifests.EnvOf(s_container)["ASPNETCORE_HTTP_PORTS"]);
    }

    [Fact]
    public void Env_NamesOnlyWhatTheAppReads()
    {
        foreach (var name in Manifests.EnvOf(s_container).Keys)
        {
            EnvironmentVariables.AssertKnown(name, app, "The Deployment's env");
        }
    }

    [Fact]
    public void Volumes_ModelsReadOnlyWhereTheAppLooksSettingsFileInTheAppsFolderTmpWritable()
    {
        var env = Manifests.EnvOf(s_container);
        var mounts = s_container.Get("volumeMounts").Items().ToDictionary(m => m.TextAt("name"));
        var volumes = s_deployment.At("spec.template.spec.volumes").Items().ToDictionary(v => v.TextAt("name"));

        Assert.Equal(env["ModelRepository__Path"], mounts["models"].TextAt("mountPath"));
        Assert.Equal("true", mounts["models"].TextAt("readOnly"));
        Assert.Equal("true", volumes["models"].TextAt("persistentVolumeClaim.readOnly"));
        // ASP.NET Core reads appsettings.<environment>.json from the app's folder (the image's WORKDIR).
        Assert.Equal($"{s_image.Last("WORKDIR")}/appsettings.{env["ASPNETCORE_ENVIRONMENT"]}.json", mounts["config"].TextAt("mountPath"));
        Assert.Equal(Path.GetFileName(Manifests.BaseSettings), mounts["config"].TextAt("subPath"));
        Assert.Equal("/tmp", mounts["tmp"].TextAt("mountPath"));
        Assert.NotNull(volumes["tmp"].Get("emptyDir"));
    }

    [Fact]
    public void SecurityContext_RunsAsTheImagesUserWithAReadOnlyRootFileSystem()
    {
        var pod = s_deployment.At("spec.template.spec.securityContext");
        var container = s_container.At("securityContext");

        Assert.Equal("true", pod.TextAt("runAsNonRoot"));
        Assert.Equal(s_image.Last("USER"), pod.TextAt("runAsUser"));
        Assert.Equal("true", container.TextAt("readOnlyRootFilesystem"));
        Assert.Equal("false", container.TextAt("allowPrivilegeEscalation"));
        Assert.Equal(["ALL"], container.At("capabilities.drop").Items().Select(c => c.Text()));
    }

    [Fact]
    public void TerminationGracePeriod_CoversThePreStopSleepTheDrainDelayAndTheHostsShutdownTimeout()
    {
        var preStop = s_container.At("lifecycle.preStop.exec.command").Items().Select(c => c.Text()!).ToArray();
        Assert.Equal("sleep", preStop[0]);
        var sleep = TimeSpan.FromSeconds(int.Parse(Assert.Single(preStop[1..]), CultureInfo.InvariantCulture));
        var grace = TimeSpan.FromSeconds(s_deployment.IntAt("spec.template.spec.terminationGracePeriodSeconds"));

        foreach (var settings in Manifests.SettingsFiles)
        {
            // The app's own answers, from the settings the pod gets: after SIGTERM it keeps answering for the drain
            // delay, then lets admitted requests finish for the host's shutdown timeout, whichever keys it binds.
            var delay = AppSurface.DrainDelayWith(RepositoryFiles.PathOf(settings));
            var drain = AppSurface.ShutdownTimeoutWith(RepositoryFiles.PathOf(settings));
            Assert.True(sleep + delay + drain + TimeSpan.FromSeconds(1) <= grace,
                $"terminationGracePeriodSeconds {grace.TotalSeconds} must cover preStop {sleep.TotalSeconds} s + drain delay {delay.TotalSeconds} s + shutdown timeout {drain.TotalSeconds} s ({settings}) with room to exit.");
            Assert.True(drain > TimeSpan.FromSeconds(5), $"A shutdown timeout of {drain} leaves slow requests no time ({settings}).");
            // Long-lived keep-alive connections are not moved by the endpoints update: they need the drain's answers.
            Assert.True(delay >= TimeSpan.FromSeconds(1), $"A drain delay of {delay} closes kept-alive connections before their clients hear of it ({settings}).");
        }
    }

    [Fact]
    public void Rollout_NeverDropsBelowTheDesiredReplicas()
    {
        Assert.Equal("0", s_deployment.TextAt("spec.strategy.rollingUpdate.maxUnavailable"));
        Assert.NotEqual("0", s_deployment.TextAt("spec.strategy.rollingUpdate.maxSurge"));
    }

    [Fact]
    public void Resources_RequestAndLimitCpuAndMemory()
    {
        foreach (var path in new[] { "resources.requests.cpu", "resources.requests.memory", "resources.limits.cpu", "resources.limits.memory" })
        {
            Assert.False(string.IsNullOrEmpty(s_container.TextAt(path)), path);
        }
    }

    [Fact]
    public void SettingsFiles_CarryEverySettingOfTheFileTheyReplaceInTheImage()
    {
        // The ConfigMap is mounted over /app/appsettings.Production.json: if the app ships one, the pod never sees it,
        // so every setting in it must be carried over (with the same or a deliberate value).
        var shipped = RepositoryFiles.PathOf("src/InferenceService/appsettings.Production.json");
        var shippedKeys = File.Exists(shipped) ? AppSurface.KeysOfJsonFile(shipped).ToArray() : [];
        foreach (var settings in Manifests.SettingsFiles)
        {
            var keys = AppSurface.KeysOfJsonFile(RepositoryFiles.PathOf(settings)).ToHashSet(StringComparer.OrdinalIgnoreCase);
            Assert.All(shippedKeys, key => Assert.True(keys.Contains(key), $"{settings} replaces the app's appsettings.Production.json but lacks its '{key}'."));
        }
    }

    [Fact]
    public void SettingsFiles_NameOnlyWhatTheAppReads()
    {
        foreach (var settings in Manifests.SettingsFiles)
        {
            foreach (var key in AppSurface.KeysOfJsonFile(RepositoryFiles.PathOf(settings)))
            {
                app.AssertSetting(key, settings);
            }
        }
    }
}
