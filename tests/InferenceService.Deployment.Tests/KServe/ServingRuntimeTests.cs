using Microsoft.Extensions.Configuration;
using InferenceService.Deployment.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace InferenceService.Deployment.Tests.KServe;

/// <summary>The KServe ServingRuntime and InferenceService example against the app and the image.</summary>
[Collection(AppSurfaceCollection.Name)]
public sealed class ServingRuntimeTests(AppSurface app)
{
    private static readonly YamlNode s_runtime = YamlFiles.Object(Manifests.ServingRuntime, "ServingRuntime");
    private static readonly YamlNode s_container = Manifests.RuntimeContainer;

    /// <summary>The runtime's arguments as configuration keys and values (--Section:Key=value).</summary>
    internal static Dictionary<string, string> Settings() => s_container.Get("args").Items().Select(a => a.Text()!)
        .Select(a =>
        {
            Assert.StartsWith("--", a);
            var pair = a[2..].Split('=', 2);
            return (Key: pair[0], Value: pair[1]);
        })
        .ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);

    [Fact]
    public void Runtime_ServesOnnxOverTheV2ProtocolAsOneModelPerServer()
    {
        Assert.Equal("serving.kserve.io/v1alpha1", s_runtime.TextAt("apiVersion"));
        Assert.Contains(s_runtime.At("spec.supportedModelFormats").Items(), f => f.TextAt("name") == "onnx");
        Assert.Equal(["v2", "grpc-v2"], s_runtime.At("spec.protocolVersions").Items().Select(v => v.Text()));
        Assert.Equal("false", s_runtime.TextAt("spec.multiModel"));
        // KServe talks to the container it calls kserve-container.
        Assert.Equal("kserve-container", s_container.TextAt("name"));
    }

    [Fact]
    public void Runtime_ServesKServesModelMountUnderTheInferenceServicesName()
    {
        var settings = Settings();

        foreach (var key in settings.Keys)
        {
            app.AssertSetting(key, "The ServingRuntime's args");
        }
        Assert.Equal("/mnt/models", settings["ModelRepository:Path"]);
        Assert.Equal("{{.Name}}", settings["ModelRepository:ModelName"]);
    }

    [Fact]
    public void RuntimeArgs_DrainAndShutdownEndBeforeTheDefaultGracePeriodKillsThePod()
    {
        // An InferenceService's predictor pod gets Kubernetes' default grace period unless the user sets one.
        var grace = TimeSpan.FromSeconds(30);
        var args = s_container.Get("args").Items().Select(a => a.Text()!.Replace("{{.Name}}", "iris", StringComparison.Ordinal)).ToArray();

        var delay = AppSurface.DrainDelayWith(config => config.AddCommandLine(args));
        var drain = AppSurface.ShutdownTimeoutWith(config => config.AddCommandLine(args));

        Assert.True(delay + drain + TimeSpan.FromSeconds(3) <= grace,
            $"Drain delay {delay.TotalSeconds} s + shutdown timeout {drain.TotalSeconds} s leave no time to exit within the default {grace.TotalSeconds} s grace period.");
        Assert.True(delay >= TimeSpan.FromSeconds(1), $"A drain delay of {delay} closes kept-alive connections before their clients hear of it.");
        Assert.True(drain > TimeSpan.FromSeconds(5), $"A shutdown timeout of {drain} leaves slow requests no time.");
    }

    [Fact]
    public void Runtime_ListensOnTheImagesPortAndProbesTheV2HealthRoutes()
    {
        var image = DockerfileModel.Load().Stage("runtime-cpu");
        var port = Assert.Single(s_container.Get("ports").Items()).TextAt("containerPort");

        Assert.Equal(image.Last("EXPOSE")!.Split(' ')[0], port);
        Assert.Equal(port, Manifests.EnvOf(s_container)["ASPNETCORE_HTTP_PORTS"]);
        Assert.Equal(image.Env["Grpc__Url"], Manifests.EnvOf(s_container)["Grpc__Url"]);
        foreach (var name in Manifests.EnvOf(s_container).Keys)
        {
            EnvironmentVariables.AssertKnown(name, app, "The ServingRuntime's env");
        }
        var probes = Manifests.ProbesOf(s_container).ToArray();
        Assert.Equal(["livenessProbe", "readinessProbe"], probes.Select(p => p.Kind));
        foreach (var (kind, probe) in probes)
        {
            Assert.StartsWith("/v2/health/", probe.TextAt("httpGet.path"), StringComparison.Ordinal);
            app.AssertGetRoute(probe.TextAt("httpGet.path"), $"The ServingRuntime's {kind}");
            Assert.Equal(port, probe.TextAt("httpGet.port"));
        }
        Assert.Equal(image.Last("USER"), s_container.TextAt("securityContext.runAsUser"));
    }

    [Fact]
    public void InferenceService_UsesTheRuntimeForAnOnnxModelOverV2()
    {
        var service = YamlFiles.Object(Manifests.KServeInferenceService, "InferenceService");
        var model = service.At("spec.predictor.model");

        Assert.Equal("serving.kserve.io/v1beta1", service.TextAt("apiVersion"));
        Assert.Equal(s_runtime.TextAt("metadata.name"), model.TextAt("runtime"));
        Assert.Equal("onnx", model.TextAt("modelFormat.name"));
        Assert.Equal("v2", model.TextAt("protocolVersion"));
        // The example serves the sample model of the same name from this repository.
        Assert.Equal(service.TextAt("metadata.name"), model.TextAt("storageUri").Split('/')[^1]);
        Assert.True(Directory.Exists(RepositoryFiles.PathOf($"models/{service.TextAt("metadata.name")}")));
    }
}
