using Microsoft.Extensions.Options;

namespace InferenceService.Hosting;

/// <summary>The drain's setting, in the <c>Server</c> configuration section (see <see cref="GracefulShutdown"/>).</summary>
internal sealed class DrainOptions
{
    public const string SectionName = "Server";

    /// <summary>
    /// How long the listener keeps answering after SIGTERM before the host stops: readiness is 503, new requests get 503
    /// with <c>Connection: close</c>, admitted ones finish. Long enough for Kubernetes' endpoints controller and every
    /// node's proxy to take the pod out of the Service. 0: the host stops at once, as .NET's own console lifetime does.
    /// </summary>
    public double DrainDelaySeconds { get; set; } = 5;

    public TimeSpan DrainDelay => TimeSpan.FromSeconds(DrainDelaySeconds);
}

/// <summary>Refuses to start with a drain delay that is negative, not a number, or longer than an hour.</summary>
internal sealed class DrainOptionsValidation : IValidateOptions<DrainOptions>
{
    public ValidateOptionsResult Validate(string? name, DrainOptions options) =>
        options.DrainDelaySeconds is >= 0 and <= 3600
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{DrainOptions.SectionName}:{nameof(DrainOptions.DrainDelaySeconds)} must be between 0 and 3600 seconds; it is {options.DrainDelaySeconds}.");
}
