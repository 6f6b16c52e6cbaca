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

    /// <summary>
    /// Each input's JSON for <paramref name="row"/> (one row's value, without the batch dimension), or the problem
    /// that keeps the row from being a request.
    /// </summary>
    public string? Shape(DatasetRow row, string[] fragments)
    {
        if (row.Error is { } error)
        {
            return error;
        }
        string? problem = null;
        for (var i = 0; i < _columns.Length; i++)
        {
            var input = _model.Inputs[i].Name;
            var column = _columns[i] ?? input;
            if (row.TryGet(column, out var value))
            {
                fragments[i] = value.ToJson();
            }
            else if (_allColumnsMayFeedTheInput)
            {
                fragments[i] = AllButKey(row);
            }
            else
            {
                problem = (problem is null ? "" : problem + " ") + (_columns[i] is null
                    ? $"Input '{input}' is missing."
                    : $"Input '{input}' is missing: the row has no column '{column}'.");
            }
        }
        return problem;
    }

    /// <summary>The key column's value of a row, if a key was named and the row has it.</summary>
    public DatasetValue? KeyOf(DatasetRow row) => _key is not null && row.TryGet(_key, out var value) ? value : null;

    private string AllButKey(DatasetRow row)
    {
        var json = new StringBuilder("[");
        var first = true;
        for (var i = 0; i < row.Names.Count; i++)
        {
            if (_key is not null && string.Equals(row.Names[i], _key, StringComparison.Ordinal))
            {
                continue;
            }
            if (!first)
            {
                json.Append(',');
            }
            json.Append(row.Values[i].ToJson());
            first = false;
        }
        return json.Append(']').ToString();
    }
}
