using System.Text;
using InferenceService.Engine.Serving;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// Turns dataset rows into the JSON of a request's inputs, so every row goes through the same checks and decoding as a
/// real-time request and a bad row gets the message a client would. Each model input takes the column of its own
/// name, or the column <see cref="JobSpec.Columns"/> names for it; a model with one input that no column is named
/// after takes every column but the key, in file order, as one array (a row of features for an input [-1, F]).
/// Rows stack along the first dimension when the model has one (<c>max_batch_size</c> above 0, or every input's first
/// dimension dynamic); otherwise each row is a request of its own.
/// </summary>
internal sealed class RowShaper
{
    private readonly LoadedModel _model;
    private readonly string?[] _columns;
    private readonly string? _key;
    private readonly bool _allColumnsMayFeedTheInput;
    private volatile RowLayout? _layout;

    public RowShaper(LoadedModel model, JobSpec spec)
    {
        _model = model;
        _key = spec.Key;
        _columns = new string?[model.Inputs.Count];
        for (var i = 0; i < _columns.Length; i++)
        {
            var name = model.Inputs[i].Name;
            _columns[i] = spec.Columns is { } map && map.TryGetValue(name, out var column) ? column : null;
        }
        _allColumnsMayFeedTheInput = model.Inputs.Count == 1 && _columns[0] is null;
        StacksRows = model.Config.MaxBatchSize > 0 || model.Inputs.All(i => i.Shape.Count > 0 && i.Shape[0] < 0);
        var limit = model.Config.MaxBatchSize > 0 ? model.Config.MaxBatchSize : 256;
        RowsPerRequest = !StacksRows ? 1 : Math.Clamp(spec.BatchSize ?? limit, 1, model.Config.MaxBatchSize > 0 ? model.Config.MaxBatchSize : int.MaxValue);
    }

    /// <summary>Whether rows stack along the first dimension (several rows per request).</summary>
    public bool StacksRows { get; }

    public int RowsPerRequest { get; }

    /// <summary>The model's inputs, each fed by one fragment of <see cref="Shape"/>.</summary>
    public int InputCount => _columns.Length;

    /// <summary>Where a row's value for a model input comes from: a column's position, or one of these.</summary>
    internal const int AllButKeySource = -1;

    internal const int MissingSource = -2;

    /// <summary>The key column's name, if one was named.</summary>
    public string? Key => _key;

    /// <summary>
    /// Each input's JSON for <paramref name="row"/> (one row's value, without the batch dimension), or the problem
    /// that keeps the row from being a request.
    /// </summary>
    public string? Shape(DatasetRow row, string[] fragments)
    {
        if (Problem(row) is { } problem)
        {
            return problem;
        }
        var layout = LayoutOf(row);
        for (var i = 0; i < _columns.Length; i++)
        {
            var source = layout.Sources[i];
            fragments[i] = source == AllButKeySource ? AllButKey(row, layout.Features) : row.ValueAt(source).ToJson();
        }
        return null;
    }

    /// <summary>Why <paramref name="row"/> cannot be a request before its values are looked at (unreadable, an input missing); null when it can.</summary>
    public string? Problem(DatasetRow row)
    {
        if (row.Error is { } error)
        {
            return error;
        }
        var layout = LayoutOf(row);
        string? problem = null;
        for (var i = 0; i < _columns.Length; i++)
        {
            if (layout.Sources[i] != MissingSource)
            {
                continue;
            }
            var input = _model.Inputs[i].Name;
            problem = (problem is null ? "" : problem + " ") + (_columns[i] is null
                ? $"Input '{input}' is missing."
                : $"Input '{input}' is missing: the row has no column '{_columns[i]}'.");
        }
        return problem;
    }

    /// <summary>Where each model input's value lies in rows with <paramref name="row"/>'s columns, and where the key is.</summary>
    public RowLayout LayoutOf(DatasetRow row)
    {
        // Rows of a CSV or Parquet file share one names list: it is looked up once, not once a row.
        var layout = _layout;
        if (layout is not null && ReferenceEquals(layout.Names, row.Names))
        {
            return layout;
        }
        var sources = new int[_columns.Length];
        for (var i = 0; i < sources.Length; i++)
        {
            var index = row.IndexOf(_columns[i] ?? _model.Inputs[i].Name);
            sources[i] = index >= 0 ? index : _allColumnsMayFeedTheInput ? AllButKeySource : MissingSource;
        }
        var features = Enumerable.Range(0, row.Names.Count).Where(i => _key is null || !string.Equals(row.Names[i], _key, StringComparison.Ordinal)).ToArray();
        layout = new RowLayout(row.Names, sources, _key is null ? -1 : row.IndexOf(_key), features);
        _layout = layout;
        return layout;
    }

    /// <summary>The key column's value of a row, if a key was named and the row has it.</summary>
    public DatasetValue? KeyOf(DatasetRow row)
    {
        if (_key is null)
        {
            return null;
        }
        var index = LayoutOf(row).KeyIndex;
        return index >= 0 ? row.ValueAt(index) : null;
    }

    private static string AllButKey(DatasetRow row, int[] features)
    {
        var json = new StringBuilder("[");
        for (var i = 0; i < features.Length; i++)
        {
            json.Append(i == 0 ? "" : ",").Append(row.ValueAt(features[i]).ToJson());
        }
        return json.Append(']').ToString();
    }
}

/// <summary>
/// Where, in rows with these column names, each model input's value lies (a position, or a RowShaper source
/// constant), the key (-1: none), and the columns that are not the key, in file order (an input fed by all of them).
/// </summary>
#pragma warning disable CA1819 // Positions, read by index on every row.
internal sealed record RowLayout(IReadOnlyList<string> Names, int[] Sources, int KeyIndex, int[] Features);
#pragma warning restore CA1819
