namespace InferenceService.LoadGenerator.Reporting;

/// <summary>One measured figure against its target. <see cref="Passed"/> is null for a figure that is reported but has no target.</summary>
internal sealed record Verdict(string Step, string Figure, string Measured, string Target, bool? Passed)
{
    public override string ToString() =>
        $"{Step}: {Figure} {Measured}" + (Passed is { } passed ? $" (target {Target}: {(passed ? "PASS" : "FAIL")})" : Target.Length > 0 ? $" ({Target})" : "");
}
