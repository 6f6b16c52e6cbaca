namespace InferenceService.Engine.Serving;

/// <summary>
/// Where a model version is in its life. The lifecycle (<c>Lifecycle.ModelLifecycle</c>) is the one owner of every
/// version's state and moves it only along <c>Lifecycle.VersionTransitions</c>:
/// <code>
///   Unloaded ──load──▶ Loading ──built and warmed up──▶ Ready ──unload, evict, dropped by the version policy──▶ Draining ──no request left──▶ Unloaded
///                         └──────────failed──────────▶ Failed ──load again──▶ Loading
/// </code>
/// A reload of a Ready version builds its successor beside it (the version stays Ready, serving, meanwhile); the
/// successor is swapped in whole and the old one drains out of sight of new requests.
/// </summary>
public enum ModelState
{
    /// <summary>Being loaded and warmed up.</summary>
    Loading,

    /// <summary>Loaded and warmed up: requests are served.</summary>
    Ready,

    /// <summary>Could not be loaded; <see cref="ModelVersionStatus.Reason"/> says why.</summary>
    Failed,

    /// <summary>Being unloaded: takes no new request; the admitted ones finish, then its sessions are released.</summary>
    Draining,

    /// <summary>In the repository but not loaded (never asked for, unloaded, or evicted): Triton's UNAVAILABLE.</summary>
    Unloaded,
}

/// <summary>The state of one version of a model. <see cref="Model"/> is set while the version is ready (and while it drains).</summary>
/// <param name="Version">The version number.</param>
/// <param name="State">Where the version is in its life.</param>
/// <param name="Reason">Why it failed or is not loaded, or why its last reload failed while it kept serving.</param>
/// <param name="Model">The loaded version, when it is ready or draining.</param>
/// <param name="LoadDuration">How long its load took (ready or failed); null while loading or when it was never tried.</param>
public sealed record ModelVersionStatus(long Version, ModelState State, string? Reason, LoadedModel? Model, TimeSpan? LoadDuration = null);

/// <summary>A model of the repository and the state of each version the repository asks for.</summary>
public sealed record ModelStatus(string Name, IReadOnlyList<ModelVersionStatus> Versions, IReadOnlyList<string> Problems)
{
    /// <summary>Ready when every version the repository asks for is ready.</summary>
    public bool IsReady => Problems.Count == 0 && Versions.Count > 0 && Versions.All(v => v.State == ModelState.Ready);

    /// <summary>Not loaded on purpose (never asked for, unloaded or evicted): readiness does not wait for it.</summary>
    public bool IsUnloaded => Versions.Count > 0 && Versions.All(v => v.State is ModelState.Unloaded or ModelState.Draining);

    /// <summary>Memory of its loaded versions, as measured at their loads.</summary>
    public long LoadedBytes => Versions.Sum(v => v.State == ModelState.Ready ? v.Model?.MemoryBytes ?? 0 : 0);
}
