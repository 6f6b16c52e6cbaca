using System.Globalization;

namespace InferenceService.Engine.Accuracy;

/// <summary>A rolling window: the last <see cref="Rows"/> rows, or the rows of the last <see cref="Duration"/>.</summary>
public sealed record RollingWindow(string Name, int? Rows, TimeSpan? Duration)
{
    public static RollingWindow LastRows(int rows) => new($"last_{rows.ToString(CultureInfo.InvariantCulture)}", rows, null);

    public static RollingWindow LastTime(TimeSpan duration) => new($"last_{Format(duration)}", null, duration);

    /// <summary>The configured windows, row windows first (smallest first), then time windows (shortest first).</summary>
    public static IReadOnlyList<RollingWindow> From(AccuracyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.EffectiveRowWindows.Order().Select(LastRows)
            .Concat(options.EffectiveTimeWindows.Order().Select(LastTime))
            .ToArray();
    }

    /// <summary>A duration as its largest whole unit: 1d, 1h, 15m, 90m, 30s.</summary>
    private static string Format(TimeSpan duration) =>
        duration.Ticks % TimeSpan.TicksPerDay == 0 ? $"{duration.Ticks / TimeSpan.TicksPerDay}d"
        : duration.Ticks % TimeSpan.TicksPerHour == 0 ? $"{duration.Ticks / TimeSpan.TicksPerHour}h"
        : duration.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{duration.Ticks / TimeSpan.TicksPerMinute}m"
        : $"{Math.Round(duration.TotalSeconds).ToString(CultureInfo.InvariantCulture)}s";
}
