namespace InferenceService.Deployment.Tests.TestSupport;

/// <summary>
/// Which environment variables a deployment file may set: configuration keys the app reads (Section__Key), and the few
/// variables read by something other than our configuration (ASP.NET Core's host, the .NET runtime, the OpenTelemetry
/// SDK by its specification, the NVIDIA container runtime). ONNX Runtime's own library is named by a setting
/// (OnnxRuntime__LibraryPath), so it is checked like every other setting.
/// </summary>
internal static class EnvironmentVariables
{
    /// <summary>ASP.NET Core host settings taken from ASPNETCORE_* variables.</summary>
    private static readonly HashSet<string> s_aspNetCore = new(StringComparer.Ordinal) { "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT" };

    private static readonly HashSet<string> s_dotnet = new(StringComparer.Ordinal) { "DOTNET_RUNNING_IN_CONTAINER" };

    /// <summary>Names fixed by the OpenTelemetry specification, read by the SDK.</summary>
    private static readonly HashSet<string> s_openTelemetry = new(StringComparer.Ordinal)
    {
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
    };

    private static readonly HashSet<string> s_nvidia = new(StringComparer.Ordinal) { "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES" };

    /// <summary>The configuration key an environment variable sets (Section__Key is Section:Key).</summary>
    public static string ToSettingKey(string name) => name.Replace("__", ":", StringComparison.Ordinal);

    public static void AssertKnown(string name, AppSurface app, string where)
    {
        if (s_aspNetCore.Contains(name) || s_dotnet.Contains(name) || s_openTelemetry.Contains(name) || s_nvidia.Contains(name))
        {
            return;
        }
        Assert.True(name.Contains("__", StringComparison.Ordinal) || app.IsSetting(name),
            $"{where} sets the environment variable {name}, which nothing in the app reads.");
        app.AssertSetting(ToSettingKey(name), where);
    }
}
