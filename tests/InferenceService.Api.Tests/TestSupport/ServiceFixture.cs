using Microsoft.Extensions.DependencyInjection;

namespace InferenceService.Api.Tests.TestSupport;

/// <summary>
/// One started service per test class (use with <see cref="IClassFixture{TFixture}"/>): a temporary repository, the
/// in-memory host serving it and a client, ready before the first test runs. Everything is disposed after the class.
/// </summary>
public abstract class ServiceFixture : IAsyncLifetime
{
    public ModelRepositoryBuilder Repository { get; } = new();

    public InferenceServiceFactory Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    protected abstract void BuildRepository(ModelRepositoryBuilder repository);

    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>
    /// Serve through Kestrel on a free loopback port instead of the in-memory test server, for what only Kestrel
    /// enforces (its request body limit, its response header validation).
    /// </summary>
    protected virtual bool UseKestrel => false;

    /// <summary>What "started" means for this fixture; by default, <c>/v2/health/ready</c> answers 200.</summary>
    protected virtual Task WaitUntilStartedAsync(HttpClient client) => ServiceReadiness.WaitUntilReadyAsync(client);

    /// <summary>Removes what the fixture made beside the repository (a jobs folder), once the host has stopped using it.</summary>
    protected virtual void OnDisposed()
    {
    }

    public async Task InitializeAsync()
    {
        try
        {
            BuildRepository(Repository);
            Factory = new InferenceServiceFactory(Repository.Root, Settings, ConfigureServices);
            if (UseKestrel)
            {
                Factory.UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
                Factory.StartServer();
            }
            Client = Factory.CreateClient();
            await WaitUntilStartedAsync(Client);
        }
        catch
        {
            // A fixture that failed to start is not disposed by the runner: leave no server or folder behind.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }
        Repository.Dispose();
        OnDisposed();
    }
}

/// <summary>
/// The models most tests use: the iris sample (versions 1 and 2, labels), two_inputs_two_outputs (a, b → sum,
/// product), fixed_shape (x [2, 3] → x + 1) and the UINT8, INT32, FP16, BOOL and BYTES identity models for element checks.
/// </summary>
public sealed class StandardModelsFixture : ServiceFixture
{
    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository
        .AddSampleModel("iris")
        .AddModel("two_inputs_two_outputs", "two_inputs_two_outputs.onnx")
        .AddModel("fixed_shape", "fixed_shape.onnx")
        .AddModel("identity_uint8", "identity_uint8.onnx")
        .AddModel("identity_int32", "identity_int32.onnx")
        .AddModel("identity_float16", "identity_float16.onnx")
        .AddModel("identity_bool", "identity_bool.onnx")
        .AddModel("identity_string", "identity_string.onnx");
}

/// <summary>The iris sample served through Kestrel.</summary>
public sealed class KestrelIrisFixture : ServiceFixture
{
    protected override bool UseKestrel => true;

    protected override void BuildRepository(ModelRepositoryBuilder repository) => repository.AddSampleModel("iris");
}

/// <summary>The 14 identity models (x [batch, 3] → y), one per element type, each served under its file's name.</summary>
public sealed class IdentityModelsFixture : ServiceFixture
{
    public static readonly IReadOnlyList<string> ElementTypes =
    [
        "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
        "float16", "bfloat16", "float", "double", "string",
    ];

    protected override void BuildRepository(ModelRepositoryBuilder repository)
    {
        foreach (var type in ElementTypes)
        {
            repository.AddModel($"identity_{type}", $"identity_{type}.onnx");
        }
    }
}
