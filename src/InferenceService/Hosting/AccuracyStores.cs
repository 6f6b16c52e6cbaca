using System.Diagnostics.Metrics;
using InferenceService.Engine.Accuracy;
using InferenceService.Engine.Accuracy.Redis;
using Microsoft.Extensions.Options;

namespace InferenceService.Hosting;

/// <summary>The accuracy store <c>Accuracy:Store</c> names: this process's memory, or Redis shared by every replica.</summary>
internal static class AccuracyStores
{
    public static IAccuracyStore Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<AccuracyOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        return options.Store switch
        {
            AccuracyStoreKind.Redis => new RedisAccuracyStore(options, time, services.GetRequiredService<IMeterFactory>(), services.GetRequiredService<ILogger<RedisAccuracyStore>>()),
            _ => new MemoryAccuracyStore(options, time),
        };
    }
}
