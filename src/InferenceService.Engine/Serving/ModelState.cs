namespace InferenceService.Engine.Serving;

/// <summary>Where a model version is in its life.</summary>
public enum ModelState
{
    /// <summary>Found in the repository and being loaded and warmed up.</summary>
    Loading,

    /// <summary>Loaded and warmed up: requests are served.</summary>
    Ready,

    /// <summary>Could not be loaded; <see cref="ModelVersionStatus.Reason"/> says why.</summary>
    Failed,
}

/// <summary>The state of one version of a model. <see cref="Model"/> is set only when the version is ready.</summary>
/// <param name="Version">The version number.</param>
/// <param name="State">Where the version is in its life.</param>
/// <param name="Reason">Why it failed, when it did.</param>
/// <param name="Model">The loaded version, when it is ready.</param>
/// <param name="LoadDuration">How long its load took (ready or failed); null while loading or when it was never tried.</param>
public sealed record ModelVersionStatus(long Version, ModelState State, string? Reason, LoadedModel? Model, TimeSpan? LoadDuration = null);

/// <summary>A model of the repository and the state of each version the repository asks for.</summary>
public sealed record ModelStatus(string Name, IReadOnlyList<ModelVersionStatus> Versions, IReadOnlyList<string> Problems)
{
    /// <summary>Ready when every version the repository asks for is ready.</summary>
    public bool IsReady => Problems.Count == 0 && Versions.Count > 0 && Versions.All(v => v.State == ModelState.Ready);
}
