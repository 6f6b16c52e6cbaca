using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// Compares JSON values by meaning: strings by their decoded text (so "\u00E9" equals "é"), integers exactly to the
/// last digit, other numbers by value (and the sign of zero), arrays element by element.
/// </summary>
public static class JsonCompare
{
    public static void Equal(string expectedJson, JsonElement actual)
    {
        using var expected = JsonDocument.Parse(expectedJson);
        var difference = Difference(expected.RootElement, actual, "$");
        Assert.True(difference is null, $"{difference}\nexpected: {expectedJson}\nactual:   {actual.GetRawText()}");
    }

    private static string? Difference(JsonElement expected, JsonElement actual, string path)
    {
        if (expected.ValueKind != actual.ValueKind)
        {
            return $"{path}: expected {expected.ValueKind} {expected.GetRawText()}, got {actual.ValueKind} {actual.GetRawText()}";
        }
        switch (expected.ValueKind)
        {
            case JsonValueKind.Array:
                if (expected.GetArrayLength() != actual.GetArrayLength())
                {
                    return $"{path}: expected {expected.GetArrayLength()} elements, got {actual.GetArrayLength()}";
                }
                for (var i = 0; i < expected.GetArrayLength(); i++)
                {
                    if (Difference(expected[i], actual[i], $"{path}[{i}]") is { } inner)
                    {
                        return inner;
                    }
                }
                return null;
            case JsonValueKind.String:
                return expected.GetString() == actual.GetString() ? null : $"{path}: expected \"{expected.GetString()}\", got \"{actual.GetString()}\"";
            case JsonValueKind.Number:
                return NumbersEqual(expected.GetRawText(), actual.GetRawText()) ? null : $"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}";
            case JsonValueKind.Object:
                foreach (var property in expected.EnumerateObject())
                {
                    if (!actual.TryGetProperty(property.Name, out var value))
                    {
                        return $"{path}.{property.Name}: missing";
                    }
                    if (Difference(property.Value, value, $"{path}.{property.Name}") is { } inner)
                    {
                        return inner;
                    }
                }
                return expected.EnumerateObject().Count() == actual.EnumerateObject().Count() ? null : $"{path}: has other properties";
            default:
                return null;
        }
    }

    private static bool NumbersEqual(string expected, string actual)
    {
        if (IsInteger(expected) && IsInteger(actual))
        {
            return BigInteger.Parse(expected, CultureInfo.InvariantCulture) == BigInteger.Parse(actual, CultureInfo.InvariantCulture)
                && expected.StartsWith('-') == actual.StartsWith('-');
        }
        var e = double.Parse(expected, CultureInfo.InvariantCulture);
        var a = double.Parse(actual, CultureInfo.InvariantCulture);
        return e.Equals(a) && double.IsNegative(e) == double.IsNegative(a);
    }

    private static bool IsInteger(string number) => !number.AsSpan().ContainsAny(".eE");
}
