using InferenceService.Engine.Jobs;
using InferenceService.Engine.Serving;
using Microsoft.Extensions.Options;

namespace InferenceService.Hosting;

/// <summary>The batch-job services: options (<c>Jobs</c>), the SQLite store under <c>Jobs:Directory</c>, the manager and its hosted service.</summary>
internal static class JobsSetup
{
    public static IServiceCollection AddBatchJobs(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<JobsOptions>().Bind(configuration.GetSection(JobsOptions.SectionName)).PostConfigure(options =>
        {
            options.Directory = Path.GetFullPath(options.Directory, environment.ContentRootPath);
            if (!string.IsNullOrEmpty(options.InputRoot))
            {
                options.InputRoot = Path.GetFullPath(options.InputRoot, environment.ContentRootPath);
            }
        });
        services.AddSingleton<JobMetrics>();
        services.AddSingleton<IJobStore>(sp => new SqliteJobStore(new JobFiles(sp.GetRequiredService<IOptions<JobsOptions>>().Value.Directory).DatabasePath));
        services.AddSingleton(sp => new JobManager(
            sp.GetRequiredService<IJobStore>(),
            sp.GetRequiredService<ModelRegistry>(),
            sp.GetRequiredService<InferencePipeline>(),
            sp.GetRequiredService<IOptions<JobsOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<JobManager>>(),
            sp.GetRequiredService<JobMetrics>()));
        services.AddHostedService<JobsHostedService>();
        return services;
    }
}
