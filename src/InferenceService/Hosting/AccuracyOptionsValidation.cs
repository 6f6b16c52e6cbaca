using InferenceService.Engine.Accuracy;
using Microsoft.Extensions.Options;

namespace InferenceService.Hosting;

/// <summary>Refuses to start with invalid <c>Accuracy</c> settings, naming every problem at once.</summary>
internal sealed class AccuracyOptionsValidation : IValidateOptions<AccuracyOptions>
{
    public ValidateOptionsResult Validate(string? name, AccuracyOptions options)
    {
        var problems = options.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
