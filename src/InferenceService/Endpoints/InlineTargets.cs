using System.Text.Json;

namespace InferenceService.Endpoints;

/// <summary>
/// Ground truth sent with an inference request (an evaluation request), and where it sat in the request, for messages:
/// <c>targets</c> in <c>/predict</c>, <c>parameters.targets</c> in the Open Inference Protocol.
/// </summary>
internal readonly record struct InlineTargets(JsonElement Value, string Name)
{
    public const string ProtocolParameter = "targets";

    public static InlineTargets FromPredict(JsonElement targets) => new(targets, "targets");

    public static InlineTargets FromProtocol(JsonElement targets) => new(targets, "parameters.targets");
}
