using System.Collections.Concurrent;
using InferenceService.Engine.Repository;

namespace InferenceService.Engine.Lifecycle;

/// <summary>
/// Poll mode: every <c>PollIntervalSeconds</c> (on the lifecycle's <see cref="TimeProvider"/>, so tests drive it) the
/// repository is rescanned. Each model folder has a fingerprint (<see cref="RepositoryFingerprint.OfModelFolder"/>);
/// a change is acted on only when two scans in a row saw the same fingerprint, so a copy in progress (files still
/// growing) is never loaded half-written: new models load, removed ones unload, changed ones reload.
/// </summary>
public sealed partial class ModelLifecycle
{
    private readonly ConcurrentDictionary<string, string?> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string?> _applied = new(StringComparer.Ordinal);
    private long _polls;

    /// <summary>One scan of the repository, acting on every change that has settled since the previous scan.</summary>
    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        var folders = ListModelFolders();
        foreach (var name in folders.Keys.Union(_applied.Keys).Order(StringComparer.Ordinal).ToArray())
        {
            var now = folders.TryGetValue(name, out var folder) ? RepositoryFingerprint.OfModelFolder(folder) : null;
            var previous = _seen.GetValueOrDefault(name);
            _seen[name] = now;
            if (now == _applied.GetValueOrDefault(name))
            {
                continue;
            }
            if (now != previous)
            {
                LogPollChangeSeen(_logger, name);
                continue; // changed since the last scan: still being written, perhaps; act once it has settled
            }
            _applied[name] = now;
            if (now is null)
            {
                _applied.TryRemove(name, out _);
                _seen.TryRemove(name, out _);
                await UnloadModelAsync(name, UnloadReason.Poll, cancellationToken).ConfigureAwait(false);
                continue;
            }
            try
            {
                if (_registry.Find(name) is null)
                {
                    PublishUnloaded(ModelRepositoryScanner.ReadModel(folder!));
                }
                await LoadModelAsync(name, ModelOverrides.None, LoadReason.Poll, startup: false, cancellationToken).ConfigureAwait(false);
            }
            catch (InferenceException e)
            {
                LogPollLoadFailed(_logger, name, e.Message);
            }
        }
        Interlocked.Increment(ref _polls);
    }

    private async Task PollLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(0.05, _options.PollIntervalSeconds)), _time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await PollOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogPollFailed(_logger, e.Message);
            }
        }
    }

    private Dictionary<string, string> ListModelFolders()
    {
        if (!string.IsNullOrWhiteSpace(_options.ModelName))
        {
            return Directory.Exists(_root) ? new() { [_options.ModelName] = _root } : [];
        }
        return Directory.Exists(_root)
            ? Directory.EnumerateDirectories(_root).Where(d => Path.GetFileName(d) is not ['.' or '_', ..]).ToDictionary(d => Path.GetFileName(d), d => d, StringComparer.Ordinal)
            : [];
    }
}
