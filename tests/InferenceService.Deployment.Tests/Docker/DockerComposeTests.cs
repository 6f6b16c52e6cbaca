using InferenceService.Deployment.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace InferenceService.Deployment.Tests.Docker;

/// <summary>docker/compose.yaml and the collector's configuration against the Dockerfile and the app.</summary>
[Collection(AppSurfaceCollection.Name)]
public sealed class DockerComposeTests(AppSurface app)
{
    private static readonly YamlNode s_compose = YamlFiles.LoadSingle(Manifests.Compose);

    private static YamlNode Service(string name) => s_compose.At($"services.{name}");

    /// <summary>A compose path (relative to docker/) as a repository path.</summary>
    private static string FromCompose(string path) =>
        Path.GetRelativePath(RepositoryFiles.Root, RepositoryFiles.PathOf($"docker/{path}")).Replace('\\', '/');

    [Fact]
    public void Inference_BuildsTheRepositoryDockerfileWithAKnownFlavor()
    {
        var build = Service("inference").At("build");

        Assert.True(File.Exists(RepositoryFiles.PathOf($"{FromCompose(build.TextAt("context"))}/{build.TextAt("dockerfile")}")));
        Assert.Equal(".", FromCompose(build.TextAt("context")));
        var flavor = build.TextAt("args.FLAVOR");
        DockerfileModel.Load().Stage($"runtime-{flavor}");
    }

    [Fact]
    public void Inference_PublishesTheImagesPortAndMountsTheModelsReadOnlyWhereTheAppLooks()
    {
        var image = DockerfileModel.Load().Stage("runtime-cpu");
        var inference = Service("inference");

        Assert.Contains($"{image.Env["ASPNETCORE_HTTP_PORTS"]}:{image.Env["ASPNETCORE_HTTP_PORTS"]}", inference.Get("ports").Items().Select(p => p.Text()));
        var grpcPort = new Uri(image.Env["Grpc__Url"].Replace("://+", "://0.0.0.0", StringComparison.Ordinal)).Port;
        Assert.Contains($"{grpcPort}:{grpcPort}", inference.Get("ports").Items().Select(p => p.Text()));
        var models = Assert.Single(inference.Get("volumes").Items().Select(v => v.Text()!.Split(':')), v => v[1] == "/models");
        Assert.Equal("models", FromCompose(models[0]));
        Assert.Equal("ro", models[2]);
        Assert.Equal(image.Env["ModelRepository__Path"], inference.TextAt("environment.ModelRepository__Path"));
        Assert.Equal("true", inference.TextAt("read_only"));
    }

    [Fact]
    public void Inference_EnvironmentNamesOnlyWhatTheAppReads()
    {
        foreach (var name in Service("inference").Get("environment").Strings().Keys)
        {
            EnvironmentVariables.AssertKnown(name, app, "compose's inference service");
        }
    }

    [Fact]
    public void SharedStateProfile_ReplicasUseTheRedisOfTheirProfileThroughSettingsTheAppReads()
    {
        var replicas = Service("inference-shared");
        var environment = replicas.Get("environment").Strings();
        var redisHost = environment["Accuracy__Redis__Configuration"].Split(',')[0].Split(':')[0];

        Assert.Equal(["shared-state"], replicas.Get("profiles").Items().Select(p => p.Text()));
        Assert.Equal("redis", environment["Accuracy__Store"]);
        Assert.Equal(["shared-state"], Service(redisHost).Get("profiles").Items().Select(p => p.Text()));
        Assert.Contains(redisHost, replicas.Get("depends_on").Items().Select(d => d.Text()));
        Assert.True(replicas.IntAt("deploy.replicas") >= 2, "The shared-state profile runs several replicas of one service.");
        // Jobs: one PostgreSQL of the profile, one job volume every replica mounts where Jobs:Directory points.
        Assert.Equal("postgresql", environment["Jobs__Database"]);
        var postgres = new Npgsql.NpgsqlConnectionStringBuilder(environment["Jobs__ConnectionString"]);
        var database = Service(postgres.Host!).Get("environment").Strings();
        Assert.Equal(["shared-state"], Service(postgres.Host!).Get("profiles").Items().Select(p => p.Text()));
        Assert.Equal((database["POSTGRES_USER"], database["POSTGRES_PASSWORD"], database["POSTGRES_DB"]), (postgres.Username, postgres.Password, postgres.Database));
        var jobs = Assert.Single(replicas.Get("volumes").Items().Select(v => v.Text()!.Split(':')), v => v[1] == environment["Jobs__Directory"]);
        Assert.NotNull(s_compose.At("volumes").Get(jobs[0]));
        // Without the profile, compose starts the one replica of before, with the default in-memory store.
        Assert.Null(Service("inference").Get("profiles"));
        Assert.False(Service("inference").Get("environment").Strings().ContainsKey("Accuracy__Store"));
        foreach (var name in environment.Keys)
        {
            EnvironmentVariables.AssertKnown(name, app, "compose's inference-shared service");
        }
    }

    [Fact]
    public void Inference_StopGracePeriodOutlastsTheDrainDelayAndTheHostsShutdownTimeout()
    {
        var grace = TimeSpan.FromSeconds(int.Parse(Service("inference").TextAt("stop_grace_period").TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture));

        var delay = AppSurface.DrainDelayWith(RepositoryFiles.PathOf("src/InferenceService/appsettings.json"));
        var drain = AppSurface.ShutdownTimeoutWith(RepositoryFiles.PathOf("src/InferenceService/appsettings.json"));

        Assert.True(grace > delay + drain,
            $"stop_grace_period {grace} must exceed the drain delay {delay} plus the host's shutdown timeout {drain}, or Docker kills requests still draining.");
    }

    [Fact]
    public void Inference_SendsOtlpToTheCollectorsGrpcReceiver()
    {
        var endpoint = new Uri(Service("inference").TextAt("environment.OTEL_EXPORTER_OTLP_ENDPOINT"));
        var grpc = YamlFiles.LoadSingle(Manifests.CollectorConfig).TextAt("receivers.otlp.protocols.grpc.endpoint");

        Assert.NotNull(s_compose.At("services").Get(endpoint.Host));
        Assert.Equal(grpc.Split(':')[^1], endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Collector_MountsItsConfigAndEveryPipelineUsesDefinedComponents()
    {
        var mount = Assert.Single(Service("otel-collector").Get("volumes").Items().Select(v => v.Text()!.Split(':')));
        Assert.Equal(Manifests.CollectorConfig, FromCompose(mount[0]));
        Assert.Contains($"--config={mount[1]}", Service("otel-collector").Get("command").Items().Select(c => c.Text()));

        var config = YamlFiles.LoadSingle(Manifests.CollectorConfig);
        var pipelines = config.At("service.pipelines").Strings().Keys;
        // What the service sends over OTLP: traces and metrics (its logs stay on the console).
        Assert.Equal(["metrics", "traces"], pipelines.Order());
        foreach (var pipeline in pipelines)
        {
            foreach (var kind in new[] { "receivers", "processors", "exporters" })
            {
                foreach (var component in config.At($"service.pipelines.{pipeline}.{kind}").Items().Select(c => c.Text()!))
                {
                    Assert.True(config.At(kind).Get(component) is not null, $"Pipeline {pipeline} uses {kind} '{component}', which the collector config does not define.");
                }
            }
        }
        foreach (var extension in config.At("service.extensions").Items().Select(e => e.Text()!))
        {
            Assert.NotNull(config.At("extensions").Get(extension));
        }
    }
}
