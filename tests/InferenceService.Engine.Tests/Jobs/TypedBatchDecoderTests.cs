using System.Text.Json;
using InferenceService.Engine.Jobs;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Jobs;

/// <summary>
/// The typed path from dataset rows to tensors, on the identity models of every element type (input x [batch, 3]):
/// clean rows take it and decode to the bits the JSON path decodes them to; a bad row of any type gets, in the errors
/// file with its row number and key, the very message the real-time path gives for that row, and the job goes on.
/// </summary>
public sealed class TypedBatchDecoderTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "typed-batch-tests-" + Guid.NewGuid().ToString("N"));
    private readonly List<LoadedModel> _models = [];
    private readonly InferencePipeline _pipeline = new();

    public TypedBatchDecoderTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        _models.ForEach(m => m.Dispose());
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Each element type the jobs accept as numbers: good cells, and a bad cell with a word its message must carry.</summary>
    public static TheoryData<string, string, string, string> NumericTypes => new()
    {
        { "float", "0.5,-1.25,3", "1e39", "out of range" },
        { "double", "0.1,2.5e-3,-7", "1e309", "out of range" },
        { "float16", "0.5,-2,1024", "70000", "out of range" },
        { "bfloat16", "0.5,-2,1024", "1e39", "out of range" },
        { "int8", "-128,0,127", "128", "out of range" },
        { "int16", "-32768,0,32767", "40000", "out of range" },
        { "int32", "-2147483648,0,2147483647", "2.5", "not an integer" },
        { "int64", "-9223372036854775808,0,9223372036854775807", "9223372036854775808", "out of range" },
        { "uint8", "0,1,255", "-1", "out of range" },
        { "uint16", "0,1,65535", "65536", "out of range" },
        { "uint32", "0,1,4294967295", "abc", "expected an integer" },
        { "uint64", "0,1,18446744073709551615", "-1", "out of range" },
        { "float", "1,2,3", "abc", "expected a number" },
    };

    private LoadedModel Identity(string type)
    {
        var model = LoadedModel.WithScheduler("m", 1, Configs.Parse("""{ "max_batch_size": 8, "dynamic_batching": { } }"""),
            new SessionPool([OnnxSession.Create(TempRepository.TestModel($"identity_{type}.onnx"))]),
            new Dictionary<string, IReadOnlyList<string>>(), new SchedulerContext(new SchedulingOptions(), TimeProvider.System, null));
        _models.Add(model);
        return model;
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static JobSpec Spec(string input) => new()
    {
        Model = "m",
        InputPath = input,
        InputFormat = DatasetFormats.FromPath(input),
        OutputFormat = DatasetFormat.Jsonl,
        Key = "id",
    };

    private static async Task<List<DatasetRow>> ReadAsync(string path)
    {
        var rows = new List<DatasetRow>();
        await using var reader = DatasetReaders.Open(path, DatasetFormats.FromPath(path), RowRange.All);
        while (await reader.ReadAsync(default) is { } row)
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>What /v2/models/m/infer answers for one row: the JSON array of the row's values, checked by the real-time path.</summary>
    private string RealTimeMessage(LoadedModel model, string rowJson)
    {
        using var document = JsonDocument.Parse("[" + rowJson + "]");
        var problems = new RequestProblems();
        using var request = _pipeline.Decode(model, [JsonInput.Nested("x", document.RootElement)], null, ref problems);
        Assert.Null(request);
        return problems.ToException().Message;
    }

    /// <summary>CSV cells as a client would send them: each cell's JSON (a number when it reads as one, else a string).</summary>
    private static string AsJson(string cells) => "[" + string.Join(",", cells.Split(',').Select(c => DatasetValue.Cell(c).ToJson())) + "]";

    private static List<JsonElement> Lines(string path) =>
        [.. File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    [Theory]
    [MemberData(nameof(NumericTypes))]
    public async Task TryDecode_CleanCsvRows_TakesTheTypedPathAndDecodesTheJsonPathsBits(string type, string good, string bad, string word)
    {
        _ = (bad, word);
        var model = Identity(type);
        var rows = await ReadAsync(Write("in.csv", $"id,a,b,c\nk0,{good}\nk1,{good}\n"));
        var shaper = new RowShaper(model, Spec("in.csv"));
        var typed = TypedBatchDecoder.TryCreate(_pipeline, model, shaper, null);
        Assert.NotNull(typed);

        using var fast = typed.TryDecode(rows);
        var fragments = rows.Select((row, i) => { var f = new string[1]; Assert.Null(shaper.Shape(row, f)); return (i, f); }).ToList();
        using var json = new RowBatchDecoder(_pipeline, model, shaper, null).Decode(fragments, [], []);

        Assert.NotNull(fast);
        Assert.NotNull(json);
        Assert.Equal(json.Inputs[0].Shape, fast.Inputs[0].Shape);
        Assert.Equal(json.Inputs[0].ElementType, fast.Inputs[0].ElementType);
        Assert.Equal(json.Inputs[0].Data.ToArray(), fast.Inputs[0].Data.ToArray());
        Assert.Equal(2, fast.Rows);
    }

    [Fact]
    public async Task TryDecode_FloatRowWithCellsNotPlainlyFloats_ChecksThoseCellsAsTheJsonPathWould()
    {
        // A quoted cell with spaces and a number past the fast parser take the checking path; the row stays typed.
        var model = Identity("float");
        var rows = await ReadAsync(Write("in.csv", "id,a,b,c\nk0,\" 0.5 \",0.1000000000000000055511151231257827,-0\n"));
        var shaper = new RowShaper(model, Spec("in.csv"));
        var typed = TypedBatchDecoder.TryCreate(_pipeline, model, shaper, null);
        Assert.NotNull(typed);

        using var fast = typed.TryDecode(rows);

        Assert.NotNull(fast);
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(fast.Inputs[0].Data.Span).ToArray();
        Assert.Equal([0.5f, 0.1f, -0f], values);
        Assert.True(float.IsNegative(values[2]));
    }

    [Theory]
    [MemberData(nameof(NumericTypes))]
    public async Task Run_BadCsvCell_EveryTypeReportsTheRealTimeMessageWithRowAndKey_AndTheJobGoesOn(string type, string good, string bad, string word)
    {
        var model = Identity(type);
        var cells = good.Split(',');
        var badRow = $"{cells[0]},{bad},{cells[2]}";
        var input = Write("in.csv", $"id,a,b,c\nk0,{good}\nk1,{badRow}\nk2,{good}\nk3,{cells[0]},{cells[1]}\n");
        var output = Path.Combine(_folder, "out.jsonl");

        var result = await OfflineBatch.RunAsync(_pipeline, model, Spec(input), output, RowRange.All, null, TimeProvider.System, default);

        Assert.Equal((JobRunOutcome.Completed, 2L, 2L), (result.Outcome, result.Checkpoint.Succeeded, result.Checkpoint.Failed));
        Assert.Equal([0, 2], Lines(output).Select(r => r.GetProperty("row").GetInt32()));
        var errors = Lines(OfflineBatch.ErrorsPathFor(output));
        Assert.Equal([1, 3], errors.Select(e => e.GetProperty("row").GetInt32()));
        Assert.Equal(["k1", "k3"], errors.Select(e => e.GetProperty("key").GetString()));
        var message = errors[0].GetProperty("error").GetString()!;
        Assert.Equal(RealTimeMessage(model, AsJson(badRow)), message);
        Assert.Contains(word, message, StringComparison.Ordinal);
        Assert.Contains("Input 'x' element [0][1]", message, StringComparison.Ordinal);
        var wrongCount = errors[1].GetProperty("error").GetString()!;
        Assert.Equal(RealTimeMessage(model, $"[{cells[0]},{cells[1]}]"), wrongCount);
        Assert.Contains("dimension 1 must be 3, got 2", wrongCount, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BoolJsonLines_TypedForTrueAndFalse_AndANumberGetsTheRealTimeMessage()
    {
        var model = Identity("bool");
        var input = Write("in.jsonl", """
            {"id": "k0", "x": [true, false, true]}
            {"id": "k1", "x": [true, 1, false]}
            {"id": "k2", "x": [false, false, true]}
            """);
        var rows = await ReadAsync(input);
        var typed = TypedBatchDecoder.TryCreate(_pipeline, model, new RowShaper(model, Spec(input)), null)!;
        using (var clean = typed.TryDecode([rows[0], rows[2]]))
        {
            Assert.NotNull(clean);
            Assert.Equal(new byte[] { 1, 0, 1, 0, 0, 1 }, clean.Inputs[0].Data.ToArray());
        }
        Assert.Null(typed.TryDecode(rows)); // the row with a number is the JSON path's to word
        var output = Path.Combine(_folder, "out.jsonl");

        var result = await OfflineBatch.RunAsync(_pipeline, model, Spec(input), output, RowRange.All, null, TimeProvider.System, default);

        Assert.Equal((2L, 1L), (result.Checkpoint.Succeeded, result.Checkpoint.Failed));
        var error = Assert.Single(Lines(OfflineBatch.ErrorsPathFor(output)));
        Assert.Equal((1, "k1"), (error.GetProperty("row").GetInt32(), error.GetProperty("key").GetString()));
        Assert.Equal(RealTimeMessage(model, "[true, 1, false]"), error.GetProperty("error").GetString());
        Assert.Equal([true, false, true], Lines(output)[0].GetProperty("outputs").GetProperty("y").EnumerateArray().Select(e => e.GetBoolean()));
    }

    [Theory]
    [InlineData(" 0.5", "0.5")] // surrounding white space goes, as the JSON path trims it
    [InlineData("007", null)] // the JSON path rewrites it as 7: left to it
    [InlineData("+1", null)]
    [InlineData(".5", null)]
    [InlineData("1.", null)]
    [InlineData("NaN", null)]
    [InlineData("", null)]
    [InlineData("-", null)]
    [InlineData("1e", null)]
    [InlineData("0.5 ", "0.5")]
    [InlineData("-0", "-0")]
    [InlineData("2.5E-3", "0.0025")]
    public void TryWriteCell_TakesOnlyJsonNumbers(string cell, string? number)
    {
        var bytes = new byte[4];
        var written = TypedCellParser.TryWriteCell(System.Text.Encoding.UTF8.GetBytes(cell), Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, bytes, 0);

        Assert.Equal(number is not null, written);
        if (number is not null)
        {
            Assert.Equal(BitConverter.SingleToUInt32Bits(float.Parse(number, System.Globalization.CultureInfo.InvariantCulture)), BitConverter.ToUInt32(bytes));
        }
    }

    [Fact]
    public async Task Run_MixedBatch_BadRowFallsBackAndTheOthersGetTheSameValuesAsATypedBatch()
    {
        var model = Identity("float");
        var clean = Write("clean.csv", "id,a,b,c\nk0,0.1,0.2,0.3\nk1,1.5,2.5,3.5\nk2,-1,-2,-3\n");
        var mixed = Write("mixed.csv", "id,a,b,c\nk0,0.1,0.2,0.3\nk1,x,2.5,3.5\nk2,-1,-2,-3\n");
        var cleanOut = Path.Combine(_folder, "clean.jsonl");
        var mixedOut = Path.Combine(_folder, "mixed.jsonl");

        await OfflineBatch.RunAsync(_pipeline, model, Spec(clean), cleanOut, RowRange.All, null, TimeProvider.System, default);
        await OfflineBatch.RunAsync(_pipeline, model, Spec(mixed), mixedOut, RowRange.All, null, TimeProvider.System, default);

        var lines = File.ReadAllLines(cleanOut);
        Assert.Equal([lines[0], lines[2]], File.ReadAllLines(mixedOut));
    }

    /// <summary>Every Parquet column type the typed path reads, against every element type it writes.</summary>
    public static TheoryData<string, string> ParquetPairs
    {
        get
        {
            var pairs = new TheoryData<string, string>();
            foreach (var column in new[] { "float", "double", "int32", "int64", "uint8", "bool", "string" })
            {
                foreach (var model in new[] { "float", "double", "float16", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool" })
                {
                    pairs.Add(column, model);
                }
            }
            return pairs;
        }
    }

    /// <summary>The pairs a flat Parquet file must take the typed path for (the common cases, with these values).</summary>
    private static readonly HashSet<(string Column, string Model)> s_typedParquet =
    [
        ("float", "float"), ("double", "double"), ("double", "float"), ("int32", "int32"), ("int32", "int64"), ("int32", "float"),
        ("int32", "double"), ("int64", "int64"), ("int64", "float"), ("int64", "double"), ("uint8", "uint8"), ("uint8", "int32"), ("bool", "bool"),
    ];

    /// <summary>Two rows of three values of a column type, with values at the edges of the conversions (2^53 + 1, a float's last digits).</summary>
    private static (Parquet.Schema.DataField Field, Array Rows)[] ParquetColumns(string column)
    {
        Array values = column switch
        {
            "float" => new[] { 0.1f, -1.25f, 3f, 1e-40f, 16777216f, 0.3f },
            "double" => new[] { 0.1, 2.5e-3, -7, 3.4e38, 1e-30, 0.30000000000000004 },
            "int32" => new[] { -5, 0, 300, 1, 2, 3 },
            "int64" => new[] { 9007199254740993L, -1, 0, 5, 6, 7 },
            "uint8" => new byte[] { 0, 200, 255, 1, 2, 3 },
            "bool" => new[] { true, false, true, false, false, true },
            _ => new[] { "1", "2", "3", "4", "5", "6" },
        };
        var type = values.GetType().GetElementType()!;
        return [.. new[] { "a", "b", "c" }.Select((name, j) =>
        {
            var rows = Array.CreateInstance(type, 2);
            rows.SetValue(values.GetValue(j), 0);
            rows.SetValue(values.GetValue(3 + j), 1);
            return (new Parquet.Schema.DataField(name, type), rows);
        })];
    }

    private async Task<string> WriteParquetAsync(string name, (Parquet.Schema.DataField Field, Array Rows)[] columns)
    {
        var path = Path.Combine(_folder, name);
        var rows = columns[0].Rows.Length;
        var id = new Parquet.Schema.DataField<string>("id");
        await using var file = File.Create(path);
        await using var writer = await Parquet.ParquetWriter.CreateAsync(new Parquet.Schema.ParquetSchema([id, .. columns.Select(c => c.Field)]), file);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(id, [.. Enumerable.Range(0, rows).Select(r => $"k{r}")], null);
        foreach (var (field, values) in columns)
        {
            await (values switch
            {
                float[] v => group.WriteAsync<float>(field, v, null, null, default),
                double[] v => group.WriteAsync<double>(field, v, null, null, default),
                double?[] v => group.WriteAsync<double>(field, v, null, null, default),
                int[] v => group.WriteAsync<int>(field, v, null, null, default),
                long[] v => group.WriteAsync<long>(field, v, null, null, default),
                byte[] v => group.WriteAsync<byte>(field, v, null, null, default),
                bool[] v => group.WriteAsync<bool>(field, v, null, null, default),
                string[] v => group.WriteAsync(field, v, null),
                _ => throw new ArgumentException(values.GetType().Name),
            });
        }
        return path;
    }

    [Theory]
    [MemberData(nameof(ParquetPairs))]
    public async Task TryDecode_FlatParquetColumns_WhatTheTypedPathTakesDecodesToTheJsonPathsBits(string column, string type)
    {
        var model = Identity(type);
        var input = await WriteParquetAsync("in.parquet", ParquetColumns(column));
        var rows = await ReadAsync(input);
        var shaper = new RowShaper(model, Spec(input));
        var typed = TypedBatchDecoder.TryCreate(_pipeline, model, shaper, null)!;

        using var fast = typed.TryDecode(rows);
        var fragments = rows.Select((row, i) => { var f = new string[1]; Assert.Null(shaper.Shape(row, f)); return (i, f); }).ToList();
        using var json = new RowBatchDecoder(_pipeline, model, shaper, null).Decode(fragments, [], []);

        Assert.Equal(s_typedParquet.Contains((column, type)) || fast is not null, fast is not null);
        if (fast is not null)
        {
            Assert.NotNull(json);
            Assert.Equal(json.Inputs[0].Shape, fast.Inputs[0].Shape);
            Assert.Equal(json.Inputs[0].Data.ToArray(), fast.Inputs[0].Data.ToArray());
        }
    }

    [Fact]
    public async Task Run_FlatParquetWithNullNaNAndAHalfwayDouble_LeavesThemToTheJsonPath_WithItsAnswersAndRounding()
    {
        var model = Identity("float");
        // 1 + 2^-24 is a double exactly halfway between the floats 1 and 1 + 2^-23. A cast would round it to even (1);
        // its JSON text, 1.0000000596046448, lies just above the midpoint, so the JSON path reads 1 + 2^-23. The typed
        // path leaves such a double to the JSON path. A null and NaN are the JSON path's to answer (NaN it takes).
        var halfway = 1 + Math.Pow(2, -24);
        var a = new Parquet.Schema.DataField<double?>("a");
        var rest = new Parquet.Schema.DataField<double>("b");
        var last = new Parquet.Schema.DataField<double>("c");
        var input = await WriteParquetAsync("special.parquet",
        [
            (a, new double?[] { 0.1, null, double.NaN, halfway }),
            (rest, new[] { 0.2, 1, 1, 1 }),
            (last, new[] { 0.3, 2, 2, 1 }),
        ]);
        var rows = await ReadAsync(input);
        var typed = TypedBatchDecoder.TryCreate(_pipeline, model, new RowShaper(model, Spec(input)), null)!;
        using (var clean = typed.TryDecode([rows[0]]))
        {
            Assert.NotNull(clean);
            Assert.Equal([0.1f, 0.2f, 0.3f], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(clean.Inputs[0].Data.Span).ToArray());
        }
        Assert.Null(typed.TryDecode([rows[3]]));
        Assert.Equal(("null", "\"NaN\""), (rows[1].ValueAt(1).Text, rows[2].ValueAt(1).Text));
        Assert.Equal("k3", rows[3].ValueAt(0).ToPlainText());
        var output = Path.Combine(_folder, "out.jsonl");

        var result = await OfflineBatch.RunAsync(_pipeline, model, Spec(input), output, RowRange.All, null, TimeProvider.System, default);

        Assert.Equal((3L, 1L), (result.Checkpoint.Succeeded, result.Checkpoint.Failed));
        var error = Assert.Single(Lines(OfflineBatch.ErrorsPathFor(output)));
        Assert.Equal((1, "k1"), (error.GetProperty("row").GetInt32(), error.GetProperty("key").GetString()));
        Assert.Equal(RealTimeMessage(model, "[null, 1, 2]"), error.GetProperty("error").GetString());
        var outputs = Lines(output);
        Assert.Equal([0, 2, 3], outputs.Select(r => r.GetProperty("row").GetInt32()));
        Assert.Equal("NaN", outputs[1].GetProperty("outputs").GetProperty("y")[0].GetString());
        Assert.Equal([1 + MathF.Pow(2, -23), 1f, 1f], outputs[2].GetProperty("outputs").GetProperty("y").EnumerateArray().Select(e => e.GetSingle()));
    }

    [Fact]
    public async Task TryDecode_FloatColumnWithNaN_CopiesTheCleanRowsAndLeavesTheBatchWithNaNToTheJsonPath()
    {
        var model = Identity("float");
        var columns = new[] { "a", "b", "c" }.Select(name => (new Parquet.Schema.DataField(name, typeof(float)), (Array)new[] { 0.5f, 1.5f, 2.5f })).ToArray();
        columns[1].Item2 = new[] { -1f, float.NaN, 4f };
        var input = await WriteParquetAsync("nan.parquet", columns);
        var rows = await ReadAsync(input);
        var typed = TypedBatchDecoder.TryCreate(_pipeline, model, new RowShaper(model, Spec(input)), null)!;

        using var clean = typed.TryDecode([rows[0], rows[2]]);
        using var withNaN = typed.TryDecode(rows);

        Assert.NotNull(clean);
        Assert.Equal([0.5f, -1, 0.5f, 2.5f, 4, 2.5f], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(clean.Inputs[0].Data.Span).ToArray());
        Assert.Null(withNaN);
    }
}
