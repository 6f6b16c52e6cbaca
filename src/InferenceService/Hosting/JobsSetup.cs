using InferenceService.Engine.Jobs;
using InferenceService.Security;
using InferenceService.Engine.Serving;
using Microsoft.Extensions.Options;

namespace InferenceService.Hosting;

/// <summary>
/// The batch-job services: options (<c>Jobs</c>), the store (SQLite under <c>Jobs:Directory</c>, or PostgreSQL shared by
/// replicas), the manager and its hosted service.
/// </summary>
internal static class JobsSetup
{
    public static IServiceCollection AddBatchJobs(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<JobsOptions>().Bind(configuration.GetSection(JobsOptions.SectionName)).PostConfigure(options =>
        {
            options.Directory = string.IsNullOrWhiteSpace(options.Directory)
                ? Path.Combine(Path.GetTempPath(), "inferenceservice-jobs")
                : Path.GetFullPath(options.Directory, environment.ContentRootPath);
            if (!string.IsNullOrEmpty(options.InputRoot))
            {
                options.InputRoot = Path.GetFullPath(options.InputRoot, environment.ContentRootPath);
            }
        })
            .Validate(options => options.Database != JobDatabase.PostgreSql || !string.IsNullOrWhiteSpace(options.ConnectionString),
                "Jobs:ConnectionString is required when Jobs:Database is postgresql: an Npgsql connection string, e.g. \"Host=postgres;Database=inference;Username=inference;Password=…\".")
            .ValidateOnStart();
        services.AddSingleton<JobMetrics>();
        // Jobs:Database: sqlite (a file under Jobs:Directory, one replica) or postgresql (shared by every replica).
        services.AddSingleton<IJobStore>(sp => sp.GetRequiredService<IOptions<JobsOptions>>().Value is { Database: JobDatabase.PostgreSql } shared
            ? new PostgresJobStore(shared.ConnectionString!)
            : new SqliteJobStore(new JobFiles(sp.GetRequiredService<IOptions<JobsOptions>>().Value.Directory).DatabasePath));
        services.AddSingleton(sp => new JobManager(
            sp.GetRequiredService<IJobStore>(),
            sp.GetRequiredService<ModelRegistry>(),
            sp.GetRequiredService<InferencePipeline>(),
            sp.GetRequiredService<IOptions<JobsOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<JobManager>>(),
            sp.GetRequiredService<JobMetrics>(),
            // A job's rows count against its submitter's job-row quota (none configured: nothing is paced).
            sp.GetService<JobRowQuota>() is { } quota ? new QuotaJobRowPacer(quota) : null));
        services.AddHostedService<JobsHostedService>();
        return services;
    }
}
