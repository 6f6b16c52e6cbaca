using System.Net;
using System.Text.Json;
using InferenceService.Deployment.Tests.TestSupport;

namespace InferenceService.Deployment.Tests.Docker;

/// <summary>
/// The published app started the way the CPU image starts it (its ENV, WORKDIR, USER and ENTRYPOINT) with what the
/// Kubernetes Deployment adds (its env, the ConfigMap's settings file, the read-only model volume), over real HTTP.
/// </summary>
[Collection(PublishedAppCollection.Name)]
public sealed class ContainerStartTests(PublishedApp app)
{
    private static ContainerSpec DeploymentSpec(DockerfileModel dockerfile)
    {
        var container = Manifests.DeploymentContainer;
        var spec = new ContainerSpec { Image = dockerfile.Stage("runtime-cpu") };
        foreach (var (name, value) in Manifests.EnvOf(container))
        {
            spec.Env[name] = value;
        }
        foreach (var mount in container.Get("volumeMounts").Items())
        {
            var source = mount.TextAt("name") switch
            {
                "models" => RepositoryFiles.PathOf("models"),
                "config" => RepositoryFiles.PathOf(Manifests.BaseSettings),
                _ => null, // emptyDir scratch space: the run gets its own writable TMPDIR.
            };
            if (source is not null)
            {
                spec.Mounts[mount.TextAt("mountPath")] = source;
            }
        }
        return spec;
    }

    [Fact]
    public async Task CpuImageWithDeployment_Started_PassesEveryProbeAndServes()
    {
        var dockerfile = DockerfileModel.Load();
        await using var container = await DeploymentSpec(dockerfile).StartAsync(app);
        var probes = Manifests.ProbesOf(Manifests.DeploymentContainer).ToDictionary(p => p.Kind, p => p.Probe);

        // The startup probe must pass within the budget the Deployment gives it, or the kubelet restarts the pod.
        var startup = probes["startupProbe"];
        var budget = TimeSpan.FromSeconds(startup.IntAt("periodSeconds") * startup.IntAt("failureThreshold"));
        var started = await container.WaitForOkAsync(startup.TextAt("httpGet.path"), budget);
        // The readiness probe is Kubernetes' gRPC probe: the health service's "" on the gRPC port.
        // (The probe names the image's port, 8001; the test's container listens on a free one instead.)
        Assert.Equal("8001", probes["readinessProbe"].TextAt("grpc.port"));
        await container.WaitForGrpcServingAsync(probes["readinessProbe"].Get("grpc")?.Get("service").Text() ?? "", TimeSpan.FromSeconds(60));
        using var live = await container.Client.GetAsync(probes["livenessProbe"].TextAt("httpGet.path"));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        using var predict = await container.Client.PostAsync("/predict", new StringContent(
            """{ "model": "iris", "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }""", System.Text.Encoding.UTF8, "application/json"));
        var body = await predict.Content.ReadAsStringAsync();
        Assert.True(predict.StatusCode == HttpStatusCode.OK, $"{(int)predict.StatusCode} {body}\n{container.Output}");
        Assert.Equal("setosa", JsonDocument.Parse(body).RootElement.GetProperty("labels").GetProperty("label")[0].GetString());
        Assert.True(started < budget);
        // As root the tests can and do drop to the image's user, so the read-only folders really are read-only to it.
        Assert.True(container.RunsAsImageUser || Environment.UserName != "root", "The service ran as root.");
    }

    [Fact]
    public async Task CpuImage_HealthCheckCommand_ExitsZeroWhileServingAndOneWhenNothingListens()
    {
        var dockerfile = DockerfileModel.Load();
        var image = dockerfile.Stage("runtime-cpu");
        var healthCheck = image.HealthCheck.Command;
        await using var container = await DeploymentSpec(dockerfile).StartAsync(app);
        await container.WaitForOkAsync("/health/live", TimeSpan.FromSeconds(30));

        var (exitCode, output) = await container.ExecAsync(healthCheck);
        Assert.True(exitCode == 0, $"HEALTHCHECK exited {exitCode}: {output}\nService output:\n{container.Output}");

        await container.DisposeAsync();
        var (stoppedExitCode, stoppedOutput) = await container.ExecAsync(healthCheck);
        Assert.True(stoppedExitCode == 1, $"HEALTHCHECK against a stopped service exited {stoppedExitCode}: {stoppedOutput}");
    }

    [Fact]
    public async Task CpuImage_StartedFromAnotherFolder_StillReadsTheSettingsFilesOfItsOwnFolder()
    {
        // The model path comes only from a settings file next to InferenceService.dll: the service gets ready only if
        // it reads that file while its current folder is elsewhere (ASP.NET Core's default content root is the latter).
        var image = DockerfileModel.Load().Stage("runtime-cpu");
        var workdir = image.Last("WORKDIR");
        var files = app.NewRunFolder();
        var models = app.CopyReadOnly(RepositoryFiles.PathOf("models"), Path.Combine(files, "models"));
        var settings = Path.Combine(files, "appsettings.Production.json");
        File.WriteAllText(settings, JsonSerializer.Serialize(new { ModelRepository = new { Path = models } }));
        var spec = new ContainerSpec { Image = image, WorkingDirectory = app.NewRunFolder(), Entrypoint = ["dotnet", $"{workdir}/InferenceService.dll"] };
        spec.Env["ModelRepository__Path"] = null;
        spec.Mounts[$"{workdir}/appsettings.Production.json"] = settings;

        await using var container = await spec.StartAsync(app);

        await container.WaitForOkAsync("/v2/models/iris/ready", TimeSpan.FromSeconds(60));
    }
}
