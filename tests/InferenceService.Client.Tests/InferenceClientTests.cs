using InferenceService.Client.Tests.TestSupport;

namespace InferenceService.Client.Tests;

/// <summary>The client against the real server, every call over both transports: the same answers, the same errors.</summary>
[Collection(ServerCollection.Name)]
public sealed class InferenceClientTests(ServerFixture server)
{
    public static TheoryData<string> Protocols => new(ServerFixture.Protocols);

    public static TheoryData<string> Types => new(ServerFixture.ElementTypes);

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Health_ReadyServer_IsLiveReadyAndTheModelReady(string protocol)
    {
        using var client = server.Client(protocol);

        Assert.True(await client.ServerLiveAsync());
        Assert.True(await client.ServerReadyAsync());
        Assert.True(await client.ModelReadyAsync("iris"));
        Assert.True(await client.ModelReadyAsync("iris", "1"));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task ModelReady_UnknownModel_ThrowsNotFound(string protocol)
    {
        using var client = server.Client(protocol);

        var error = await Assert.ThrowsAsync<InferenceClientException>(() => client.ModelReadyAsync("nope"));

        Assert.Equal(InferenceErrorCode.NotFound, error.Code);
        Assert.Equal("Model 'nope' is not in the repository.", error.Message);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Metadata_Iris_NamesItsVersionsInputsAndOutputs(string protocol)
    {
        using var client = server.Client(protocol);

        var serverMetadata = await client.ServerMetadataAsync();
        var model = await client.ModelMetadataAsync("iris");

        Assert.Equal("inference-service", serverMetadata.Name);
        Assert.Contains("statistics", serverMetadata.Extensions);
        Assert.Equal("iris", model.Name);
        Assert.Equal(["1", "2"], model.Versions.Order());
        var input = Assert.Single(model.Inputs);
        Assert.Equal(("input", "FP32"), (input.Name, input.Datatype));
        Assert.Equal(4, input.Shape[^1]);
        Assert.Contains(model.Outputs, o => o.Name == "label" && o.Datatype == "INT64");
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Infer_IrisFromAnArray_ReturnsTheLabelsAndTheId(string protocol)
    {
        using var client = server.Client(protocol);
        var request = new InferRequest("iris", InferTensor.FromArray("input", [5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f], 2, 4))
        {
            Id = $"client-{protocol}",
            Outputs = ["label"],
        };

        var result = await client.InferAsync(request);

        Assert.Equal(("iris", "2", $"client-{protocol}"), (result.ModelName, result.ModelVersion, result.Id));
        var label = Assert.Single(result.Outputs);
        Assert.Equal(TensorDatatype.Int64, label.Datatype);
        Assert.Equal([2L], label.Shape);
        Assert.Equal([0L, 2L], label.ToArray<long>());
    }

    public static TheoryData<string, string> ProtocolsAndTypes()
    {
        var data = new TheoryData<string, string>();
        foreach (var protocol in ServerFixture.Protocols)
        {
            foreach (var type in ServerFixture.ElementTypes)
            {
                data.Add(protocol, type);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ProtocolsAndTypes))]
    public async Task Infer_IdentityModelOfEveryDatatype_ReturnsWhatWasSent(string protocol, string type)
    {
        using var client = server.Client(protocol);
        var input = Identity(type);

        var result = await client.InferAsync(new InferRequest($"identity_{type}", input));

        var output = result.Output("y");
        Assert.Equal(input.Datatype, output.Datatype);
        Assert.Equal([2L, 3L], output.Shape);
        Assert.Equal(input.RawData.ToArray(), output.RawData.ToArray());
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task Infer_SameInputsOverJsonBinaryAndGrpc_GiveIdenticalOutputs(string type)
    {
        using var http = server.Client("http");
        using var binary = server.Client("http-binary");
        using var grpc = server.Client("grpc");

        var overHttp = (await http.InferAsync(new InferRequest($"identity_{type}", Identity(type)))).Output("y");
        var overBinary = (await binary.InferAsync(new InferRequest($"identity_{type}", Identity(type)))).Output("y");
        var overGrpc = (await grpc.InferAsync(new InferRequest($"identity_{type}", Identity(type)))).Output("y");

        Assert.Equal((overHttp.Datatype, string.Join(",", overHttp.Shape)), (overGrpc.Datatype, string.Join(",", overGrpc.Shape)));
        Assert.Equal((overHttp.Datatype, string.Join(",", overHttp.Shape)), (overBinary.Datatype, string.Join(",", overBinary.Shape)));
        Assert.Equal(overHttp.RawData.ToArray(), overGrpc.RawData.ToArray());
        Assert.Equal(overHttp.RawData.ToArray(), overBinary.RawData.ToArray());
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task Infer_BinaryOption_SendsAndReadsBinaryTensorData(string type)
    {
        var seen = new WireRecorder();
        using var http = new HttpClient(seen);
        using var client = server.Client("http-binary", httpClient: http);
        var input = Identity(type);

        var output = (await client.InferAsync(new InferRequest($"identity_{type}", input))).Output("y");

        Assert.Equal("application/octet-stream", seen.RequestContentType);
        Assert.Equal(seen.RequestBodyLength - input.RawData.Length, seen.RequestHeaderLength);
        Assert.Equal("application/octet-stream", seen.ResponseContentType);
        Assert.Equal(seen.ResponseBodyLength - input.RawData.Length, seen.ResponseHeaderLength);
        Assert.Equal(input.RawData.ToArray(), output.RawData.ToArray());
    }

    [Fact]
    public async Task Infer_IrisBothOutputsOverJsonBinaryAndGrpc_GiveIdenticalOutputs()
    {
        var answers = new List<InferResult>();
        foreach (var protocol in ServerFixture.Protocols)
        {
            using var client = server.Client(protocol);
            answers.Add(await client.InferAsync(new InferRequest("iris", InferTensor.FromArray("input", [5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f], 2, 4))
            {
                Outputs = ["probabilities", "label"],
            }));
        }

        foreach (var answer in answers.Skip(1))
        {
            Assert.Equal(answers[0].Outputs.Select(o => (o.Name, o.Datatype, string.Join(",", o.Shape))), answer.Outputs.Select(o => (o.Name, o.Datatype, string.Join(",", o.Shape))));
            Assert.Equal(answers[0].Outputs.Select(o => o.RawData.ToArray()), answer.Outputs.Select(o => o.RawData.ToArray()));
        }
        Assert.Equal([0L, 2L], answers[^1].Output("label").ToArray<long>());
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Infer_Classification_IsTheTopClassesWithTheirLabels(string protocol)
    {
        using var client = server.Client(protocol);
        var request = new InferRequest("iris", InferTensor.FromArray("input", [5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f], 2, 4))
        {
            Outputs = ["probabilities"],
            Classifications = new Dictionary<string, int> { ["probabilities"] = 1, ["label"] = 5 },
        };

        var result = await client.InferAsync(request);

        Assert.Equal(["probabilities", "label"], result.Outputs.Select(o => o.Name));
        var probabilities = result.Output("probabilities");
        Assert.Equal((TensorDatatype.Bytes, "2,1"), (probabilities.Datatype, string.Join(",", probabilities.Shape)));
        var top = probabilities.ToStrings().Select(e => e.Split(':')).ToArray();
        Assert.Equal(["0", "setosa"], top[0][1..]);
        Assert.Equal(["2", "virginica"], top[1][1..]);
        Assert.InRange(float.Parse(top[0][0], System.Globalization.CultureInfo.InvariantCulture), 0.5f, 1f);
        // label is [0, 2]: one row of two values, ranked, each index named by the label file.
        var label = result.Output("label");
        Assert.Equal((TensorDatatype.Bytes, "2"), (label.Datatype, string.Join(",", label.Shape)));
        Assert.Equal(["2:1:versicolor", "0:0:setosa"], label.ToStrings());
    }

    [Fact]
    public async Task Infer_ClassificationOverEveryTransport_GivesTheSameClasses()
    {
        var answers = new List<string[]>();
        foreach (var protocol in ServerFixture.Protocols)
        {
            using var client = server.Client(protocol);
            var result = await client.InferAsync(new InferRequest("identity_double", InferTensor.FromArray("x", [0.25, -1, 3, 7, 7, 0.5], 2, 3))
            {
                Classifications = new Dictionary<string, int> { ["y"] = 2 },
            });
            answers.Add(result.Output("y").ToStrings());
        }

        Assert.Equal(["3:2", "0.25:0", "7:0", "7:1"], answers[0]);
        Assert.All(answers, a => Assert.Equal(answers[0], a));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Infer_ClassificationOfText_ThrowsInvalidArgumentWithTheServersMessage(string protocol)
    {
        using var client = server.Client(protocol);
        var request = new InferRequest("identity_string", InferTensor.FromStrings("x", ["a", "b", "c"], 1, 3))
        {
            Classifications = new Dictionary<string, int> { ["y"] = 1 },
        };

        var error = await Assert.ThrowsAsync<InferenceClientException>(() => client.InferAsync(request));

        Assert.Equal(InferenceErrorCode.InvalidArgument, error.Code);
        Assert.Equal("Output 'y' does not hold numbers, so it has no classes to rank: classification needs an output of numbers.", error.Message);
    }

    [Fact]
    public async Task Infer_OverSeveralGrpcConnections_AnswersEveryCallAlike()
    {
        using var client = server.Client("grpc", new InferenceClientOptions { GrpcConnections = 3 });

        var results = await Task.WhenAll(Enumerable.Range(0, 7).Select(i =>
            client.InferAsync(new InferRequest("identity_int32", InferTensor.FromArray("x", [i, i + 1, i + 2], 1, 3)))));

        Assert.Equal(Enumerable.Range(0, 7).Select(i => new[] { i, i + 1, i + 2 }), results.Select(r => r.Output("y").ToArray<int>()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void ForGrpc_ConnectionsOutOfRange_Throws(int connections) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => InferenceClient.ForGrpc(new Uri("http://127.0.0.1:1"), new InferenceClientOptions { GrpcConnections = connections }));

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Infer_WrongShape_ThrowsInvalidArgumentWithTheServersMessage(string protocol)
    {
        using var client = server.Client(protocol);

        var error = await Assert.ThrowsAsync<InferenceClientException>(() =>
            client.InferAsync(new InferRequest("identity_float", InferTensor.FromArray("x", [1f, 2f, 3f, 4f], 1, 4))));

        Assert.Equal(InferenceErrorCode.InvalidArgument, error.Code);
        Assert.Equal("Input 'x' dimension 1 must be 3, got 4.", error.Message);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task RepositoryIndexAndStatistics_ListTheModels(string protocol)
    {
        using var client = server.Client(protocol);
        await client.InferAsync(new InferRequest("identity_int32", InferTensor.FromArray("x", [1, 2, 3], 1, 3)));

        var index = await client.RepositoryIndexAsync();
        var ready = await client.RepositoryIndexAsync(readyOnly: true);
        var all = await client.ModelStatisticsAsync();
        var one = await client.ModelStatisticsAsync("identity_int32", "1");

        Assert.Contains(index, m => m.Name == "iris" && m.Version == "2" && m.State == "READY");
        Assert.All(ready, m => Assert.Equal("READY", m.State));
        Assert.Contains(all, s => s.Name == "iris");
        var stats = Assert.Single(one);
        Assert.True(stats.InferenceCount >= 1);
        Assert.True(stats.InferenceStats.Success.Count >= 1);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Infer_QueueFullWithoutRetries_ThrowsUnavailableWithTheServersRetryAfter(string protocol)
    {
        using var client = server.Client(protocol, new InferenceClientOptions { MaxRetries = 0 });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // One instance, a queue of one: of three at once, at least one is refused.
        var calls = Enumerable.Range(0, 3).Select(_ => client.InferAsync(Slow(), stop.Token)).ToArray();
        try
        {
            var refused = await FirstRefusalAsync(calls);

            Assert.Equal(InferenceErrorCode.Unavailable, refused.Code);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(calls.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Infer_QueueFullWithRetries_EveryRequestIsAnsweredInTheEnd(string protocol)
    {
        // Retries enough for a busy machine, where one slow Run can take seconds: a bound, not a timing.
        using var client = server.Client(protocol, new InferenceClientOptions { MaxRetries = 500, MaxRetryDelay = TimeSpan.FromMilliseconds(200) });

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => client.InferAsync(Slow())));

        Assert.All(results, r => Assert.Equal([SlowSize, SlowSize], r.Output("y").Shape));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Infer_TimeoutPasses_ThrowsDeadlineExceeded(string protocol)
    {
        using var client = server.Client(protocol, new InferenceClientOptions { Timeout = TimeSpan.FromMilliseconds(150) });

        var error = await Assert.ThrowsAsync<InferenceClientException>(() => client.InferAsync(Endless()));

        Assert.Equal(InferenceErrorCode.DeadlineExceeded, error.Code);
        Assert.True(await client.ServerLiveAsync());
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Infer_Cancelled_ThrowsOperationCanceled(string protocol)
    {
        using var client = server.Client(protocol);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.InferAsync(Endless(), cancel.Token));
        Assert.True(await client.ServerLiveAsync());
    }

    private const int SlowSize = 384;

    /// <summary>A request to the spin model that ends only when the server terminates its Run (cancelled, or past its deadline), however fast the machine.</summary>
    private static InferRequest Endless() =>
        new("spin", InferTensor.FromArray("x", new float[4], 1, 4), InferTensor.FromArray("steps", new[] { long.MaxValue }, 1, 1));

    private static InferRequest Slow()
    {
        var values = new float[SlowSize * SlowSize];
        Array.Fill(values, 0.001f);
        return new InferRequest("slow_queue", InferTensor.FromArray("x", values, SlowSize, SlowSize));
    }

    private static async Task<InferenceClientException> FirstRefusalAsync(Task<InferResult>[] calls)
    {
        var pending = calls.ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            if (done.Exception?.InnerException is InferenceClientException { Code: InferenceErrorCode.Unavailable } refused)
            {
                return refused;
            }
        }
        Assert.Fail("No call was refused.");
        return null!;
    }

    /// <summary>A [2, 3] tensor named x of the identity model's element type, with edge values.</summary>
    internal static InferTensor Identity(string type) => type switch
    {
        "bool" => InferTensor.FromArray("x", [true, false, true, false, false, true], 2, 3),
        "uint8" => InferTensor.FromArray("x", new byte[] { 0, 255, 1, 2, 128, 254 }, 2, 3),
        "uint16" => InferTensor.FromArray("x", new ushort[] { 0, 65535, 1, 2, 32768, 65534 }, 2, 3),
        "uint32" => InferTensor.FromArray("x", new uint[] { 0, uint.MaxValue, 1, 2, 2147483648, uint.MaxValue - 1 }, 2, 3),
        "uint64" => InferTensor.FromArray("x", new ulong[] { 0, ulong.MaxValue, 1, 9223372036854775808, 9007199254740993, ulong.MaxValue - 1 }, 2, 3),
        "int8" => InferTensor.FromArray("x", new sbyte[] { -128, 127, 0, 1, -1, 3 }, 2, 3),
        "int16" => InferTensor.FromArray("x", new short[] { -32768, 32767, 0, 1, -1, 100 }, 2, 3),
        "int32" => InferTensor.FromArray("x", [int.MinValue, int.MaxValue, 0, 1, -1, 2], 2, 3),
        "int64" => InferTensor.FromArray("x", [long.MinValue, long.MaxValue, 0, 9007199254740993, -1, 2], 2, 3),
        "float16" => InferTensor.FromArray("x", [Half.MaxValue, Half.MinValue, (Half)0.5f, (Half)(-2.25f), Half.NaN, Half.NegativeInfinity], 2, 3),
        "bfloat16" => InferTensor.FromArray("x", [(BFloat16)1.5f, (BFloat16)(-3.3895314e38f), (BFloat16)256f, (BFloat16)(-0.5f), (BFloat16)float.NaN, (BFloat16)float.PositiveInfinity], 2, 3),
        "float" => InferTensor.FromArray("x", [1.5f, -2f, 0.1f, float.MaxValue, float.NaN, float.NegativeInfinity], 2, 3),
        "double" => InferTensor.FromArray("x", [0.1, double.MinValue, double.Epsilon, double.NaN, double.PositiveInfinity, 3], 2, 3),
        "string" => InferTensor.FromStrings("x", ["", "héllo wörld", "日本語", "a\"b\\c", "tab\there", "😀 emoji"], 2, 3),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
