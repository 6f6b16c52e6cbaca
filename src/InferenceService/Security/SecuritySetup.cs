using Microsoft.AspNetCore.HttpsPolicy;

namespace InferenceService.Security;

/// <summary>
/// The hardened surface in two calls: <see cref="AddInferenceSecurity"/> reads the API keys (<c>Authentication</c>),
/// the request limits (<c>Limits</c>, applied to Kestrel here) and HSTS (<c>Tls:Hsts</c>), failing startup on any
/// mistake; <see cref="UseInferenceSecurity"/> puts the security door right after routing. TLS itself is Kestrel's:
/// <c>Kestrel:Endpoints:Https:Url</c> with <c>Certificate:Path</c> and <c>KeyPath</c> (or a PFX and its password).
/// </summary>
internal static class SecuritySetup
{
    public const string HstsKey = "Tls:Hsts";
    public const string HstsMaxAgeDaysKey = "Tls:HstsMaxAgeDays";

    public static WebApplicationBuilder AddInferenceSecurity(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var limits = ServerLimits.Load(configuration);
        // Checked now, so a wrong key setting stops the host before it listens; the door's copy is built on the host's clock.
        SecuritySettings.Load(configuration, TimeProvider.System);

        builder.Services.AddSingleton(limits);
        builder.Services.AddSingleton(services => SecuritySettings.Load(configuration, services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<SecurityLog>();
        builder.Services.AddSingleton<SecurityMetrics>();
        builder.Services.AddSingleton<JobRowQuota>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersTotalBytes;
            kestrel.Limits.MaxRequestHeaderCount = limits.MaxRequestHeaderCount;
        });
        if (configuration.GetValue<bool>(HstsKey))
        {
            builder.Services.AddHsts(hsts =>
            {
                hsts.MaxAge = TimeSpan.FromDays(configuration.GetValue<double?>(HstsMaxAgeDaysKey) ?? 365);
                hsts.IncludeSubDomains = configuration.GetValue<bool>("Tls:HstsIncludeSubDomains");
                // Asked for explicitly: a service is reached by any name, loopback ones included.
                hsts.ExcludedHosts.Clear();
            });
        }
        return builder;
    }

    public static WebApplication UseInferenceSecurity(this WebApplication app)
    {
        if (app.Configuration.GetValue<bool>(HstsKey))
        {
            // Only HTTPS answers carry the header (HstsMiddleware's rule): plain-HTTP probes are unaffected.
            app.UseMiddleware<HstsMiddleware>();
        }
        app.UseMiddleware<SecurityDoor>();
        return app;
    }
}
