using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;

namespace InferenceService.Hosting;

/// <summary>
/// Compressed answers for clients that ask (<c>Accept-Encoding: gzip</c> or <c>deflate</c>, as the Triton clients
/// offer), through ASP.NET Core's response compression middleware at its fastest level: a request that asks for no
/// compression passes with one header check. Binary tensor answers are compressed whole; their
/// <c>Inference-Header-Content-Length</c> counts the uncompressed JSON, which is what a client reads after inflating.
/// <c>Server:ResponseCompression</c> = false turns it off.
/// </summary>
internal static class ResponseCompressionSetup
{
    public const string SettingName = "Server:ResponseCompression";

    public static IServiceCollection AddInferenceResponseCompression(this IServiceCollection services, IConfiguration configuration)
    {
        if (!configuration.GetValue(SettingName, true))
        {
            return services;
        }
        services.AddResponseCompression(options =>
        {
            // The answers carry predictions and ids, no secrets a compression side channel could recover.
            options.EnableForHttps = true;
            options.Providers.Add<GzipCompressionProvider>();
            options.Providers.Add<DeflateCompressionProvider>();
            options.MimeTypes = [.. ResponseCompressionDefaults.MimeTypes, "application/octet-stream", "application/problem+json"];
        });
        services.Configure<GzipCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        return services;
    }

    public static IApplicationBuilder UseInferenceResponseCompression(this WebApplication app)
    {
        if (app.Configuration.GetValue(SettingName, true))
        {
            app.UseResponseCompression();
        }
        return app;
    }
}

/// <summary>HTTP's "deflate" coding: zlib-wrapped deflate (RFC 9110), what Python's zlib.decompress reads.</summary>
internal sealed class DeflateCompressionProvider : ICompressionProvider
{
    public string EncodingName => "deflate";

    public bool SupportsFlush => true;

    public Stream CreateStream(Stream outputStream) => new ZLibStream(outputStream, CompressionLevel.Fastest, leaveOpen: true);
}
