namespace InferenceService.Engine.Repository;

/// <summary>
/// The one rule for every name a client gives that could become part of a path: a model name (V2 routes,
/// <c>/predict</c>, the <c>X-Model</c> header, jobs, repository load) and a file name inside a model's folder. A name
/// is 1 to 255 ASCII letters, digits, '.', '_' or '-', and not "." or "..": no separator ('/', '\'), no
/// drive (':'), no control character or NUL, no percent-encoding, no scheme (so never a URL), no
/// look-alike Unicode. Names that pass cannot leave the folder they are joined to; repository folders outside the
/// rule are still served (the operator named them), but a client cannot name them.
/// </summary>
public static class ModelNames
{
    /// <summary>A file name's limit on the usual file systems: every folder name they allow that passes the rest of the rule passes this.</summary>
    public const int MaxLength = 255;

    /// <summary>Why <paramref name="name"/> is not a valid model name; null when it is.</summary>
    public static string? Problem(string? name) => Check(name, "model name");

    /// <summary>Why <paramref name="fileName"/> is not a valid file name inside a model's folder; null when it is.</summary>
    public static string? FileProblem(string? fileName) => Check(fileName, "file name");

    public static bool IsValid(string? name) => Problem(name) is null;

    private static string? Check(string? name, string what)
    {
        if (string.IsNullOrEmpty(name))
        {
            return $"A {what} must not be empty.";
        }
        if (name.Length > MaxLength)
        {
            return $"A {what} is at most {MaxLength} characters long.";
        }
        if (name is "." or "..")
        {
            return $"A {what} must not be '.' or '..'.";
        }
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return $"A {what} holds only letters, digits, '.', '_' and '-' (no path separators, no spaces, no control or non-ASCII characters).";
            }
        }
        return null;
    }
}
