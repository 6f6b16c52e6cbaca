using InferenceService.Deployment.Tests.TestSupport;
using InferenceService.Hosting;

namespace InferenceService.Deployment.Tests.Kubernetes;

/// <summary>The batch Indexed Job (docker/k8s/batch): N pods, each its own part of one dataset, with the server's models.</summary>
public sealed class BatchJobTests
{
    private const string JobFile = "docker/k8s/batch/job.yaml";

    [Fact]
    public void Job_IsIndexedWithItsCompletionCountGivenToTheCommand()
    {
        var job = YamlFiles.Object(JobFile, "Job");
        var container = Assert.Single(job.At("spec.template.spec.containers").Items());
        var env = container.At("env").Items().ToDictionary(e => e.TextAt("name"), e => e.TextAt("value"));

        Assert.Equal("Indexed", job.TextAt("spec.completionMode"));
        Assert.Equal(job.TextAt("spec.completions"), env["JOB_COMPLETIONS"]);
        Assert.Equal("Never", job.TextAt("spec.template.spec.restartPolicy"));
        Assert.Equal(["batch", "--model", "iris"], container.At("args").Items().Take(3).Select(a => a.Text()));
    }

    [Fact]
    public void Job_MountsTheServersModelsClaimAndItsOwnDataClaim()
    {
        var job = YamlFiles.Object(JobFile, "Job");
        var claims = job.At("spec.template.spec.volumes").Items()
            .Where(v => v.Get("persistentVolumeClaim") is not null).Select(v => v.TextAt("persistentVolumeClaim.claimName")).ToHashSet();

        Assert.Contains(YamlFiles.Object("docker/k8s/base/models-pvc.yaml", "PersistentVolumeClaim").TextAt("metadata.name"), claims);
        Assert.Contains(YamlFiles.Object("docker/k8s/batch/data-pvc.yaml", "PersistentVolumeClaim").TextAt("metadata.name"), claims);
    }

    [Theory]
    [InlineData("0/4", 0, 4)]
    [InlineData("3/4", 3, 4)]
    public void ParseShard_GivenOnTheCommandLine_IsThePart(string text, int index, int count) =>
        Assert.Equal((index, count), BatchCommand.ParseShard(text));

    [Theory]
    [InlineData("4/4")]
    [InlineData("1/0")]
    [InlineData("-1/2")]
    [InlineData("a/b")]
    public void ParseShard_Malformed_IsRefused(string text) => Assert.Null(BatchCommand.ParseShard(text));
}
