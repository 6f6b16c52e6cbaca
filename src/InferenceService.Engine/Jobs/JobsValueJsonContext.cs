using System.Text.Json.Serialization;

namespace InferenceService.Engine.Jobs;

/// <summary>Strings to and from JSON text, without reflection.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class JobsValueJsonContext : JsonSerializerContext;
