using System.Globalization;
using System.Net;
using System.Text.Json;
using InferenceService.Api.Tests.TestSupport;
using InferenceService.Grpc.Protocol;

namespace InferenceService.Api.Tests.Grpc;

/// <summary>
/// The model configuration extension's two wire forms agree: for every model of the process (the samples, the
/// identity models, the batched slow models with their queue policies), gRPC's ModelConfig message says field for
/// field what <c>GET /v2/models/{m}/config</c> says in JSON.
/// </summary>
[Collection(GrpcServiceCollection.Name)]
public sealed class GrpcModelConfigParityTests(GrpcServiceFixture service)
{
    public static TheoryData<string> Models => new(["iris", "digits", "identity_float", "identity_string", "slow_queue", "slow_timeout"]);

    [Theory]
    [MemberData(nameof(Models))]
    public async Task ModelConfig_OverGrpcAndHttp_SayTheSame(string model)
    {
        var message = (await service.Client.ModelConfigAsync(new ModelConfigRequest { Name = model })).Config;
        var json = await ResponseAssert.JsonAsync(await service.Http.GetAsync($"/v2/models/{model}/config"), HttpStatusCode.OK);

        Assert.Equal(Describe(json), Describe(message));
    }

    [Fact]
    public async Task ModelConfig_IrisVersion_OverGrpcAndHttp_SayTheSame()
    {
        var message = (await service.Client.ModelConfigAsync(new ModelConfigRequest { Name = "iris", Version = "1" })).Config;
        var json = await ResponseAssert.JsonAsync(await service.Http.GetAsync("/v2/models/iris/versions/1/config"), HttpStatusCode.OK);

        Assert.Equal(Describe(json), Describe(message));
        Assert.Contains("version_policy=latest:2", Describe(message));
    }

    /// <summary>The configuration as lines of "field=value", the same for both forms when they agree.</summary>
    private static string[] Describe(JsonElement c)
    {
        var lines = new List<string>
        {
            $"name={c.GetProperty("name").GetString()}",
            $"platform={c.GetProperty("platform").GetString()}",
            $"backend={c.GetProperty("backend").GetString()}",
            $"max_batch_size={c.GetProperty("max_batch_size").GetInt32()}",
            $"default_model_filename={c.GetProperty("default_model_filename").GetString()}",
            $"version_policy={Policy(c.GetProperty("version_policy"))}",
        };
        foreach (var input in c.GetProperty("input").EnumerateArray())
        {
            lines.Add($"input={input.GetProperty("name").GetString()}:{input.GetProperty("data_type").GetString()}:{Join(input.GetProperty("dims").EnumerateArray().Select(d => d.GetInt64()))}");
        }
        foreach (var output in c.GetProperty("output").EnumerateArray())
        {
            var labels = output.TryGetProperty("label_filename", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : "";
            lines.Add($"output={output.GetProperty("name").GetString()}:{output.GetProperty("data_type").GetString()}:{Join(output.GetProperty("dims").EnumerateArray().Select(d => d.GetInt64()))}:{labels}");
        }
        foreach (var group in c.GetProperty("instance_group").EnumerateArray())
        {
            var gpus = group.TryGetProperty("gpus", out var g) && g.ValueKind == JsonValueKind.Array ? Join(g.EnumerateArray().Select(x => (long)x.GetInt32())) : "";
            lines.Add($"instance_group={group.GetProperty("name").GetString()}:{group.GetProperty("kind").GetString()}:{group.GetProperty("count").GetInt32()}:{gpus}");
        }
        if (c.TryGetProperty("dynamic_batching", out var batching) && batching.ValueKind == JsonValueKind.Object)
        {
            lines.Add($"dynamic_batching={Join(batching.GetProperty("preferred_batch_size").EnumerateArray().Select(x => (long)x.GetInt32()))}:{batching.GetProperty("max_queue_delay_microseconds").GetInt64()}:{batching.GetProperty("preserve_ordering").GetBoolean()}");
            if (batching.TryGetProperty("default_queue_policy", out var queue) && queue.ValueKind == JsonValueKind.Object)
            {
                var action = queue.TryGetProperty("timeout_action", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : "REJECT";
                lines.Add($"default_queue_policy={Number(queue, "max_queue_size")}:{Number(queue, "default_timeout_microseconds")}:{Flag(queue, "allow_timeout_override")}:{action}");
            }
        }
        if (c.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
        {
            lines.AddRange(parameters.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"parameter={p.Name}:{p.Value.GetProperty("string_value").GetString()}"));
        }
        return [.. lines];
    }

    private static string[] Describe(ModelConfig c)
    {
        var lines = new List<string>
        {
            $"name={c.Name}",
            $"platform={c.Platform}",
            $"backend={c.Backend}",
            $"max_batch_size={c.MaxBatchSize}",
            $"default_model_filename={c.DefaultModelFilename}",
            $"version_policy={Policy(c.VersionPolicy)}",
        };
        lines.AddRange(c.Input.Select(i => $"input={i.Name}:{TypeName(i.DataType)}:{Join(i.Dims)}"));
        lines.AddRange(c.Output.Select(o => $"output={o.Name}:{TypeName(o.DataType)}:{Join(o.Dims)}:{o.LabelFilename}"));
        lines.AddRange(c.InstanceGroup.Select(g => $"instance_group={g.Name}:KIND_{g.Kind.ToString().ToUpperInvariant()}:{g.Count}:{Join(g.Gpus.Select(x => (long)x))}"));
        if (c.DynamicBatching is { } batching)
        {
            lines.Add($"dynamic_batching={Join(batching.PreferredBatchSize.Select(x => (long)x))}:{batching.MaxQueueDelayMicroseconds}:{batching.PreserveOrdering}");
            if (batching.DefaultQueuePolicy is { } queue)
            {
                lines.Add($"default_queue_policy={queue.MaxQueueSize}:{queue.DefaultTimeoutMicroseconds}:{queue.AllowTimeoutOverride}:{queue.TimeoutAction.ToString().ToUpperInvariant()}");
            }
        }
        lines.AddRange(c.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"parameter={p.Key}:{p.Value.StringValue}"));
        return [.. lines];
    }

    private static string Policy(JsonElement policy) =>
        policy.TryGetProperty("latest", out var latest) ? $"latest:{latest.GetProperty("num_versions").GetInt32()}"
        : policy.TryGetProperty("specific", out var specific) ? $"specific:{Join(specific.GetProperty("versions").EnumerateArray().Select(v => v.GetInt64()))}"
        : "all";

    private static string Policy(ModelVersionPolicy? policy) => policy?.PolicyChoiceCase switch
    {
        ModelVersionPolicy.PolicyChoiceOneofCase.Latest => $"latest:{policy.Latest.NumVersions}",
        ModelVersionPolicy.PolicyChoiceOneofCase.Specific => $"specific:{Join(policy.Specific.Versions)}",
        ModelVersionPolicy.PolicyChoiceOneofCase.All => "all",
        _ => "none",
    };

    /// <summary>TYPE_FP32 and the like: the JSON's names of the message's enum.</summary>
    private static string TypeName(DataType type) => type switch
    {
        DataType.TypeString => "TYPE_STRING",
        _ => "TYPE_" + type.ToString()["Type".Length..].ToUpperInvariant(),
    };

    private static string Number(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) ? value.GetInt64().ToString(CultureInfo.InvariantCulture) : "0";

    private static bool Flag(JsonElement parent, string name) => parent.TryGetProperty(name, out var value) && value.GetBoolean();

    private static string Join(IEnumerable<long> values) => string.Join(",", values);
}
