namespace InferenceService.Engine;

/// <summary>
/// Every problem found in one request, in the order found, so the client fixes its request in one round trip. Costs
/// nothing while nothing is wrong: the list is made by the first problem. Pass it by reference.
/// </summary>
public struct RequestProblems
{
    private List<string>? _problems;

    /// <summary>Whether any problem was found.</summary>
    public readonly bool Any => _problems is { Count: > 0 };

    /// <summary>How many problems were found.</summary>
    public readonly int Count => _problems?.Count ?? 0;

    /// <summary>Adds one problem: a sentence naming the input, output or property and what is wrong with it.</summary>
    public void Add(string problem) => (_problems ??= []).Add(problem);

    /// <summary>Adds the message of an <see cref="InferenceException"/> thrown by a check that stops at its first problem.</summary>
    public void Add(InferenceException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Add(error.Message);
    }

    /// <summary>The problems as one client error (400), each once, in the order found.</summary>
    public readonly InferenceException ToException() =>
        InferenceException.InvalidInput(_problems is null ? "The request is invalid." : string.Join(" ", _problems.Distinct()));

    /// <summary>Throws <see cref="ToException"/> if any problem was found.</summary>
    public readonly void ThrowIfAny()
    {
        if (Any)
        {
            throw ToException();
        }
    }
}
