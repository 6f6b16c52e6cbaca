using InferenceService.Deployment.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace InferenceService.Deployment.Tests.Kubernetes;

/// <summary>
/// docker/k8s/overlays/shared-state: the pods share feedback and accuracy through Redis, whose connection string comes
/// from a Secret; its test-cluster kustomization adds a Redis and a Secret that fit it.
/// </summary>
[Collection(AppSurfaceCollection.Name)]
public sealed class SharedStateOverlayTests(AppSurface app)
{
    private const string SecretName = "inferenceservice-shared-state";

    private static YamlNode Container =>
        Assert.Single(YamlFiles.LoadSingle($"{Manifests.SharedStateOverlay}/deployment-shared-state.yaml").At("spec.template.spec.containers").Items());

    [Fact]
    public void Settings_TurnOnTheRedisStoreAndThePostgresJobStoreOnTheJobVolume()
    {
        var settings = RepositoryFiles.ReadJson($"{Manifests.SharedStateOverlay}/appsettings.Production.json");

        Assert.Equal("redis", settings.GetProperty("Accuracy").GetProperty("Store").GetString());
        Assert.Equal("postgresql", settings.GetProperty("Jobs").GetProperty("Database").GetString());
        var mount = Assert.Single(Container.Get("volumeMounts").Items(), m => m.TextAt("name") == "jobs");
        Assert.Equal(settings.GetProperty("Jobs").GetProperty("Directory").GetString(), mount.TextAt("mountPath"));
        var volume = Assert.Single(YamlFiles.LoadSingle($"{Manifests.SharedStateOverlay}/deployment-shared-state.yaml").At("spec.template.spec.volumes").Items(), v => v.TextAt("name") == "jobs");
        var claim = YamlFiles.Object($"{Manifests.SharedStateOverlay}/jobs-pvc.yaml", "PersistentVolumeClaim");
        Assert.Equal(claim.TextAt("metadata.name"), volume.TextAt("persistentVolumeClaim.claimName"));
        Assert.Equal(["ReadWriteMany"], claim.At("spec.accessModes").Items().Select(m => m.Text()));
        var generator = Assert.Single(YamlFiles.LoadSingle($"{Manifests.SharedStateOverlay}/kustomization.yaml").Get("configMapGenerator").Items());
        Assert.Equal("replace", generator.TextAt("behavior"));
    }

    [Theory]
    [InlineData("Accuracy__Redis__Configuration", "redis-configuration")]
    [InlineData("Jobs__ConnectionString", "postgres-connection-string")]
    public void Patch_TakesEachConnectionFromTheSecretUnderASettingTheAppReads(string variable, string key)
    {
        var env = Assert.Single(Container.Get("env").Items(), e => e.TextAt("name") == variable);

        Assert.Equal(Manifests.DeploymentContainer.TextAt("name"), Container.TextAt("name"));
        Assert.Equal(SecretName, env.TextAt("valueFrom.secretKeyRef.name"));
        Assert.Equal(key, env.TextAt("valueFrom.secretKeyRef.key"));
        foreach (var each in Container.Get("env").Items())
        {
            EnvironmentVariables.AssertKnown(each.TextAt("name"), app, "the shared-state overlay");
            Assert.Null(each.Get("value"));
        }
    }

    [Fact]
    public void TestCluster_SecretNamesTheRedisServiceItDeploysAndEveryKeyThePodsAsk()
    {
        var kustomization = YamlFiles.LoadSingle($"{Manifests.SharedStateTestCluster}/kustomization.yaml");
        var secret = Assert.Single(kustomization.Get("secretGenerator").Items(), g => g.TextAt("name") == SecretName);
        var literals = secret.Get("literals").Items().Select(l => l.Text()!.Split('=', 2)).ToDictionary(l => l[0], l => l[1], StringComparer.Ordinal);
        var objects = YamlFiles.Load($"{Manifests.SharedStateTestCluster}/redis.yaml").ToArray();
        var service = Assert.Single(objects, o => o.TextAt("kind") == "Service");
        var redis = Assert.Single(Assert.Single(objects, o => o.TextAt("kind") == "Deployment").At("spec.template.spec.containers").Items());

        // Kustomize's hash suffix would rename the Secret away from the name the pods' secretKeyRef holds.
        Assert.Equal("true", secret.TextAt("options.disableNameSuffixHash"));
        Assert.Equal($"{service.TextAt("metadata.name")}:{service.At("spec.ports").Items().Single().TextAt("port")}", literals["redis-configuration"].Split(',')[0]);
        Assert.Contains(Container.Get("env").Items(), e => literals.ContainsKey(e.TextAt("valueFrom.secretKeyRef.key")));
        var password = Assert.Single(redis.Get("env").Items(), e => e.TextAt("valueFrom.secretKeyRef.name") == SecretName);
        Assert.Contains($"password={literals[password.TextAt("valueFrom.secretKeyRef.key")]}", literals["redis-configuration"], StringComparison.Ordinal);
        Assert.All(Container.Get("env").Items(), e => Assert.True(literals.ContainsKey(e.TextAt("valueFrom.secretKeyRef.key")), $"The Secret lacks {e.TextAt("valueFrom.secretKeyRef.key")}."));
    }

    [Fact]
    public void TestCluster_PostgresConnectionNamesThePostgresServiceUserAndPasswordItDeploys()
    {
        var kustomization = YamlFiles.LoadSingle($"{Manifests.SharedStateTestCluster}/kustomization.yaml");
        var literals = Assert.Single(kustomization.Get("secretGenerator").Items(), g => g.TextAt("name") == SecretName)
            .Get("literals").Items().Select(l => l.Text()!.Split('=', 2)).ToDictionary(l => l[0], l => l[1], StringComparer.Ordinal);
        var objects = YamlFiles.Load($"{Manifests.SharedStateTestCluster}/postgres.yaml").ToArray();
        var service = Assert.Single(objects, o => o.TextAt("kind") == "Service");
        var env = Manifests.EnvOfAny(Assert.Single(Assert.Single(objects, o => o.TextAt("kind") == "StatefulSet").At("spec.template.spec.containers").Items()));
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(literals["postgres-connection-string"]);

        Assert.Equal(service.TextAt("metadata.name"), connection.Host);
        Assert.Equal(service.At("spec.ports").Items().Single().TextAt("port"), connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((env["POSTGRES_USER"], env["POSTGRES_DB"]), (connection.Username, connection.Database));
        Assert.Equal(literals[env["POSTGRES_PASSWORD"]], connection.Password);
    }
}
