using System.Net;
using System.Text;
using System.Text.Json;
using InferenceService.Deployment.Tests.TestSupport;

namespace InferenceService.Deployment.Tests.KServe;

/// <summary>
/// The CPU image started as KServe starts the ServingRuntime's container: its args and env, with {{.Name}} the
/// InferenceService's name and the model's files mounted read-only at /mnt/models, in both layouts KServe produces.
/// </summary>
[Collection(PublishedAppCollection.Name)]
public sealed class ServingRuntimeStartTests(PublishedApp app)
{
    private async Task<RunningContainer> StartAsync(string modelFiles, string name)
    {
        var container = Manifests.RuntimeContainer;
        var spec = new ContainerSpec { Image = DockerfileModel.Load().Stage("runtime-cpu") };
        spec.Args.AddRange(container.Get("args").Items().Select(a => a.Text()!.Replace("{{.Name}}", name, StringComparison.Ordinal)));
        foreach (var (variable, value) in Manifests.EnvOf(container))
        {
            spec.Env[variable] = value;
        }
        spec.Mounts["/mnt/models"] = modelFiles;
        var started = await spec.StartAsync(app);
        foreach (var (kind, probe) in Manifests.ProbesOf(container))
        {
            await started.WaitForOkAsync(probe.TextAt("httpGet.path"), TimeSpan.FromSeconds(60));
        }
        return started;
    }

    private static async Task AssertInfersAsync(RunningContainer container, string name)
    {
        using var ready = await container.Client.GetAsync($"/v2/models/{name}/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var infer = await container.Client.PostAsync($"/v2/models/{name}/infer", new StringContent(
            """{ "inputs": [{ "name": "input", "shape": [1, 4], "datatype": "FP32", "data": [5.1, 3.5, 1.4, 0.2] }], "outputs": [{ "name": "label" }] }""",
            Encoding.UTF8, "application/json"));
        var body = await infer.Content.ReadAsStringAsync();
        Assert.True(infer.StatusCode == HttpStatusCode.OK, $"{(int)infer.StatusCode} {body}\n{container.Output}");
        using var json = JsonDocument.Parse(body);
        Assert.Equal(name, json.RootElement.GetProperty("model_name").GetString());
        Assert.Equal(0, json.RootElement.GetProperty("outputs")[0].GetProperty("data")[0].GetInt64());
    }

    [Fact]
    public async Task Runtime_ModelFolderMounted_ServesItUnderTheInferenceServicesName()
    {
        // The example InferenceService: storageUri names models/iris (config.json, labels, version folders).
        var service = YamlFiles.Object(Manifests.KServeInferenceService, "InferenceService");
        var name = service.TextAt("metadata.name");

        await using var container = await StartAsync(RepositoryFiles.PathOf($"models/{name}"), name);

        await AssertInfersAsync(container, name);
    }

    [Fact]
    public async Task Runtime_SingleModelFileMounted_ServesItAsVersion1()
    {
        // A storageUri naming one file: KServe puts just model.onnx in the mount.
        var mount = Path.Combine(app.NewRunFolder(), "model");
        Directory.CreateDirectory(mount);
        File.Copy(RepositoryFiles.PathOf("models/iris/1/model.onnx"), Path.Combine(mount, "model.onnx"));

        await using var container = await StartAsync(mount, "iris-logistic");

        await AssertInfersAsync(container, "iris-logistic");
        using var version = await container.Client.GetAsync("/v2/models/iris-logistic/versions/1/ready");
        Assert.Equal(HttpStatusCode.OK, version.StatusCode);
    }
}
