using System.Text;
using System.Text.Json;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// Decodes shaped rows into one request through <see cref="InferencePipeline.Decode"/>, the real-time path's checks
/// and decoder. When the batch as a whole does not pass, each row is decoded alone to find the bad ones (with their
/// own messages), and the good ones are decoded together again.
/// </summary>
internal sealed class RowBatchDecoder(InferencePipeline pipeline, LoadedModel model, RowShaper shaper, IReadOnlyList<string>? outputs)
{
    /// <summary>
    /// The request for <paramref name="rows"/> (their fragments, in order), or null when every row is bad; bad rows are
    /// added to <paramref name="failures"/> with their message, and <paramref name="decoded"/> lists the rows that made it.
    /// </summary>
    public DecodedRequest? Decode(IReadOnlyList<(int Index, string[] Fragments)> rows, List<(int Index, string Error)> failures, List<int> decoded)
    {
        decoded.Clear();
        if (rows.Count == 0)
        {
            return null;
        }
        var problems = new RequestProblems();
        var request = TryDecode(rows, ref problems);
        if (request is not null)
        {
            decoded.AddRange(rows.Select(r => r.Index));
            return request;
        }
        if (rows.Count == 1)
        {
            failures.Add((rows[0].Index, problems.ToException().Message));
            return null;
        }
        var good = new List<(int Index, string[] Fragments)>(rows.Count);
        foreach (var row in rows)
        {
            var alone = new RequestProblems();
            using var single = TryDecode([row], ref alone);
            if (single is null)
            {
                failures.Add((row.Index, alone.ToException().Message));
            }
            else
            {
                good.Add(row);
            }
        }
        if (good.Count == 0)
        {
            return null;
        }
        var again = new RequestProblems();
        request = TryDecode(good, ref again);
        if (request is null)
        {
            // Rows that pass alone but not together (their shapes differ): each is a request of its own, reported
            // here as bad rather than guessed at.
            foreach (var row in good)
            {
                failures.Add((row.Index, again.ToException().Message));
            }
            return null;
        }
        decoded.AddRange(good.Select(r => r.Index));
        return request;
    }

    private DecodedRequest? TryDecode(IReadOnlyList<(int Index, string[] Fragments)> rows, ref RequestProblems problems)
    {
        var inputs = new JsonInput[model.Inputs.Count];
        var documents = new JsonDocument[inputs.Length];
        try
        {
            for (var i = 0; i < inputs.Length; i++)
            {
                string json;
                if (shaper.StacksRows)
                {
                    var text = new StringBuilder("[");
                    for (var r = 0; r < rows.Count; r++)
                    {
                        text.Append(r == 0 ? "" : ",").Append(rows[r].Fragments[i]);
                    }
                    json = text.Append(']').ToString();
                }
                else
                {
                    json = rows[0].Fragments[i];
                }
                try
                {
                    documents[i] = JsonDocument.Parse(json);
                }
                catch (JsonException)
                {
                    problems.Add($"Input '{model.Inputs[i].Name}' is not valid JSON.");
                    return null;
                }
                inputs[i] = JsonInput.Nested(model.Inputs[i].Name, documents[i].RootElement);
            }
            return pipeline.Decode(model, inputs, outputs, ref problems);
        }
        finally
        {
            foreach (var document in documents)
            {
                document?.Dispose();
            }
        }
    }
}
