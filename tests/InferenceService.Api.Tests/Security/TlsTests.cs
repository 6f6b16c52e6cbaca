using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using InferenceService.Api.Tests.TestSupport;

namespace InferenceService.Api.Tests.Security;

/// <summary>
/// The real process serving HTTPS from Kestrel's certificate settings, with a self-signed certificate made here, and
/// its API key given as the environment variables a Kubernetes Secret becomes.
/// </summary>
public sealed class TlsTests : IDisposable
{
    private const string Key = "tls-test-key-0123456789abcdef";

    private readonly string _folder = Directory.CreateTempSubdirectory("inference-api-tests-tls-").FullName;
    private readonly X509Certificate2 _certificate;
    private readonly string _certificatePath;
    private readonly string _keyPath;

    public TlsTests()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        _certificatePath = Path.Combine(_folder, "tls.crt");
        _keyPath = Path.Combine(_folder, "tls.key");
        File.WriteAllText(_certificatePath, _certificate.ExportCertificatePem());
        File.WriteAllText(_keyPath, key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose()
    {
        _certificate.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private ServiceProcess Start(int tlsPort, bool hsts) => ServiceProcess.Start(
        new Dictionary<string, string>
        {
            ["ModelRepository__Path"] = TestPaths.SampleModels,
            ["Kestrel__Endpoints__Https__Url"] = $"https://127.0.0.1:{tlsPort}",
            ["Kestrel__Endpoints__Https__Certificate__Path"] = _certificatePath,
            ["Kestrel__Endpoints__Https__Certificate__KeyPath"] = _keyPath,
            ["Authentication__ApiKeys__0__Id"] = "app",
            ["Authentication__ApiKeys__0__Key"] = Key,
            ["Authentication__ApiKeys__0__Scopes"] = "infer,metrics",
            ["Tls__Hsts"] = hsts ? "true" : "false",
        },
        port => new Dictionary<string, string> { ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{port}" });

    private HttpClient TrustingClient(int tlsPort) => new(new HttpClientHandler
    {
        // Trusts exactly the certificate made here.
        ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == _certificate.Thumbprint,
    })
    {
        BaseAddress = new Uri($"https://127.0.0.1:{tlsPort}"),
        Timeout = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public async Task Https_SelfSignedCertificateFromSettings_ServesWithTheKeyAndWithoutHsts()
    {
        var tlsPort = LoopbackPorts.Free();
        await using var service = Start(tlsPort, hsts: false);
        await service.WaitUntilReadyAsync();
        using var client = TrustingClient(tlsPort);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict/iris")
        {
            Content = new StringContent("""{ "inputs": { "input": [[5.1, 3.5, 1.4, 0.2]] } }""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"), "HSTS is on without being asked for.");

        using var anonymous = await client.PostAsync("/predict/iris", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        // A client that trusts only the system's roots refuses the self-signed certificate: the answer above was TLS.
        using var untrusting = new HttpClient { BaseAddress = new Uri($"https://127.0.0.1:{tlsPort}"), Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync("/v2/health/ready"));
        Assert.DoesNotContain(Key, service.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hsts_AskedFor_HttpsAnswersCarryItAndPlainHttpProbesDoNot()
    {
        var tlsPort = LoopbackPorts.Free();
        await using var service = Start(tlsPort, hsts: true);
        await service.WaitUntilReadyAsync();
        using var client = TrustingClient(tlsPort);

        using var secure = await client.GetAsync("/v2/health/ready");
        Assert.Equal(HttpStatusCode.OK, secure.StatusCode);
        Assert.StartsWith("max-age=31536000", Assert.Single(secure.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);

        using var plain = service.CreateClient();
        using var probe = await plain.GetAsync("/v2/health/ready");
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.False(probe.Headers.Contains("Strict-Transport-Security"));
    }
}
