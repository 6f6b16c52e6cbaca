using System.Text.Json;
using InferenceService.Engine.Jobs;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tests.TestSupport;

namespace InferenceService.Engine.Tests.Jobs;

/// <summary>
/// The runner on real models: values through the scheduler's job lane, key passthrough, column mapping, every output
/// format read back, resume from a checkpoint after a crash left rows past it, and shards that add up to the whole.
/// </summary>
public sealed class JobRunnerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "job-runner-tests-" + Guid.NewGuid().ToString("N"));
    private readonly List<LoadedModel> _models = [];
    private readonly InferencePipeline _pipeline = new();

    public JobRunnerTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        _models.ForEach(m => m.Dispose());
        Directory.Delete(_folder, recursive: true);
    }

    private LoadedModel Model(string file, string config)
    {
        var model = LoadedModel.WithScheduler("m", 1, Configs.Parse(config), new SessionPool([OnnxSession.Create(TempRepository.TestModel(file))]),
            new Dictionary<string, IReadOnlyList<string>>(), new SchedulerContext(new SchedulingOptions(), TimeProvider.System, null));
        _models.Add(model);
        return model;
    }

    private LoadedModel Identity() => Model("identity_float.onnx", """{ "max_batch_size": 8, "dynamic_batching": { } }""");

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Csv(int rows) =>
        "id,a,b,c\n" + string.Concat(Enumerable.Range(0, rows).Select(i => $"k{i},{i},{i + 0.5},{-i}\n"));

    private static JobSpec Spec(string input, DatasetFormat output, string? key = "id", IReadOnlyDictionary<string, string>? columns = null) => new()
    {
        Model = "m",
        InputPath = input,
        InputFormat = DatasetFormats.FromPath(input),
        OutputFormat = output,
        Key = key,
        Columns = columns,
    };

    private async Task<JobRunResult> RunAsync(LoadedModel model, JobSpec spec, string output, RowRange? range = null) =>
        await OfflineBatch.RunAsync(_pipeline, model, spec, output, range ?? RowRange.All, null, TimeProvider.System, default);

    private static List<JsonElement> Lines(string path) =>
        [.. File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    [Fact]
    public async Task Run_Csv_WritesEachRowsValuesAndKeyInOrder()
    {
        var model = Identity();
        var output = Path.Combine(_folder, "out.jsonl");

        var result = await RunAsync(model, Spec(Write("in.csv", Csv(21)), DatasetFormat.Jsonl), output);

        Assert.Equal((JobRunOutcome.Completed, 21L, 0L), (result.Outcome, result.Checkpoint.Succeeded, result.Checkpoint.Failed));
        var rows = Lines(output);
        Assert.Equal(Enumerable.Range(0, 21), rows.Select(r => r.GetProperty("row").GetInt32()));
        Assert.Equal("k5", rows[5].GetProperty("key").GetString());
        Assert.Equal([5f, 5.5f, -5f], rows[5].GetProperty("outputs").GetProperty("y").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Equal(3, model.Scheduler.Statistics.ExecutionCount); // 8 + 8 + 5 rows: batch_size defaults to max_batch_size
    }

    [Fact]
    public async Task Run_ManyCsvRows_ReusesTheCellBlocksAndWritesEveryRowsOwnValues()
    {
        // 20,000 rows of 4 cells are 80,000 cells: five blocks at least if none were reused. The job reads a few batches
        // ahead of what it has written, and every row's output must still be its own values (a block reused too soon
        // would hand a row's cells to a later row).
        var model = Identity();
        var input = Write("in.csv", Csv(20_000));
        var output = Path.Combine(_folder, "out.jsonl");
        var settings = new JobRunSettings { Checkpoint = (_, _) => ValueTask.FromResult(true) };

        JobRunResult result;
        int blocks;
        await using (var reader = DatasetReaders.Open(input, DatasetFormat.Csv, RowRange.All))
        {
            result = await new JobRunner(_pipeline, TimeProvider.System).RunAsync(model, Spec(input, DatasetFormat.Jsonl), reader,
                new JobResultFilesSpec(output, OfflineBatch.ErrorsPathFor(output), false), JobCheckpoint.Start(0), settings, default);
            blocks = ((CsvDatasetReader)reader).BlocksAllocated;
        }

        Assert.Equal((JobRunOutcome.Completed, 20_000L, 0L), (result.Outcome, result.Checkpoint.Succeeded, result.Checkpoint.Failed));
        Assert.InRange(blocks, 1, 2);
        var rows = Lines(output);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(i, rows[i].GetProperty("row").GetInt32());
            Assert.Equal($"k{i}", rows[i].GetProperty("key").GetString());
            Assert.Equal([i, i + 0.5f, -i], rows[i].GetProperty("outputs").GetProperty("y").EnumerateArray().Select(e => e.GetSingle()));
        }
    }

    /// <summary>Runs a CSV input into JSON Lines with <paramref name="settings"/>, from the first row.</summary>
    private async Task<JobRunResult> RunCsvAsync(LoadedModel model, string input, string output, JobRunSettings settings)
    {
        await using var reader = DatasetReaders.Open(input, DatasetFormat.Csv, RowRange.All);
        return await new JobRunner(_pipeline, TimeProvider.System).RunAsync(model, Spec(input, DatasetFormat.Jsonl), reader,
            new JobResultFilesSpec(output, OfflineBatch.ErrorsPathFor(output), false), JobCheckpoint.Start(0), settings, default);
    }

    [Fact]
    public async Task Run_YieldingToOnlineTraffic_StillWritesEveryRowOnceInOrder()
    {
        var model = Identity();
        var input = Write("in.csv", Csv(300));
        var output = Path.Combine(_folder, "out.jsonl");
        var settings = new JobRunSettings { Checkpoint = (_, _) => ValueTask.FromResult(true), CpuShareWhileOnline = 0.05 };
        _pipeline.Online.Record(); // online traffic within the window for the whole (short) run

        var result = await RunCsvAsync(model, input, output, settings);

        Assert.Equal((JobRunOutcome.Completed, 300L, 0L), (result.Outcome, result.Checkpoint.Succeeded, result.Checkpoint.Failed));
        Assert.Equal(Enumerable.Range(0, 300), Lines(output).Select(r => r.GetProperty("row").GetInt32()));
    }

    [Fact]
    public async Task Run_OnlineTraffic_RequestsCarryTheRowsWhileOnlineAndEveryRowIsWrittenOnce()
    {
        var model = Identity(); // max_batch_size 8: the job's batch size
        var input = Write("in.csv", Csv(30));
        var output = Path.Combine(_folder, "out.jsonl");
        var settings = new JobRunSettings { Checkpoint = (_, _) => ValueTask.FromResult(true), RowsPerRequestWhileOnline = 3 };
        _pipeline.Online.Record(); // online traffic within the window for the whole (short) run

        var result = await RunCsvAsync(model, input, output, settings);

        Assert.Equal((JobRunOutcome.Completed, 30L), (result.Outcome, result.Checkpoint.Succeeded));
        Assert.Equal(Enumerable.Range(0, 30), Lines(output).Select(r => r.GetProperty("row").GetInt32()));
        Assert.Equal(10, model.Scheduler.Statistics.Success.Count); // requests of 3 rows, not 8 (queued ones may share a Run)
    }

    [Fact]
    public async Task Run_ColumnsMappedToTwoInputs_FeedEachInputItsColumn()
    {
        var model = Model("two_inputs_two_outputs.onnx", """{ "max_batch_size": 4, "dynamic_batching": { } }""");
        var input = Write("in.jsonl", """
            {"left": [1, 2, 3, 4], "right": [10, 20, 30, 40], "id": 1}
            {"left": [1, 1, 1, 1], "id": 2}
            """);
        var output = Path.Combine(_folder, "out.jsonl");

        await RunAsync(model, Spec(input, DatasetFormat.Jsonl, columns: new Dictionary<string, string> { ["a"] = "left", ["b"] = "right" }), output);

        var row = Lines(output).Single();
        Assert.Equal(1, row.GetProperty("key").GetInt32());
        Assert.Equal([11f, 22, 33, 44], row.GetProperty("outputs").GetProperty("sum").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Equal([10f, 40, 90, 160], row.GetProperty("outputs").GetProperty("product").EnumerateArray().Select(e => e.GetSingle()));
        var error = Lines(OfflineBatch.ErrorsPathFor(output)).Single();
        Assert.Equal((1, 2), (error.GetProperty("row").GetInt32(), error.GetProperty("key").GetInt32()));
        Assert.Equal("Input 'b' is missing: the row has no column 'right'.", error.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData(DatasetFormat.Csv)]
    [InlineData(DatasetFormat.Parquet)]
    public async Task Run_OutputFormat_ReadsBackAsTheSameRows(DatasetFormat format)
    {
        var model = Identity();
        var input = Write("in.csv", Csv(10) + "bad,x,1,1\n");
        var output = Path.Combine(_folder, "out" + DatasetFormats.Extension(format));

        await RunAsync(model, Spec(input, format), output);

        await using var reader = DatasetReaders.Open(output, format, RowRange.All);
        var rows = new List<DatasetRow>();
        while (await reader.ReadAsync(default) is { } row)
        {
            rows.Add(row);
        }
        Assert.Equal(10, rows.Count);
        Assert.True(rows[3].TryGet("row", out var index) && index.ToPlainText() == "3");
        Assert.True(rows[3].TryGet("key", out var key) && key.ToPlainText() == "k3");
        Assert.True(rows[3].TryGet("y", out var y));
        Assert.Equal([3f, 3.5f, -3f], JsonDocument.Parse(y.IsJson ? y.Text : y.Text).RootElement.EnumerateArray().Select(e => e.GetSingle()));
        await using var errors = DatasetReaders.Open(OfflineBatch.ErrorsPathFor(output), format, RowRange.All);
        var error = await errors.ReadAsync(default);
        Assert.True(error!.TryGet("key", out var badKey) && badKey.ToPlainText() == "bad");
        Assert.True(error.TryGet("error", out var message) && message.ToPlainText().Contains("got the string", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resume_FromACheckpointWithRowsWrittenPastIt_WritesEveryRowOnce()
    {
        var model = Identity();
        var input = Write("in.csv", Csv(50));
        var reference = Path.Combine(_folder, "reference.jsonl");
        await RunAsync(model, Spec(input, DatasetFormat.Jsonl), reference);

        // The first life: checkpoints every 8 rows, holds after 30 (rows 24..31 written past the checkpoint at 24),
        // then dies without a final checkpoint: only the last stored one counts.
        var output = Path.Combine(_folder, "out.jsonl");
        var errors = Path.Combine(_folder, "out.errors.jsonl");
        var stored = JobCheckpoint.Start(0);
        using var crash = new CancellationTokenSource();
        var settings = new JobRunSettings
        {
            CheckpointRows = 8,
            CheckpointInterval = TimeSpan.FromHours(1),
            BatchesInFlight = 1,
            HoldAfterRows = 30,
            OnHold = _ => crash.Cancel(),
            Checkpoint = (c, _) => { stored = c; return ValueTask.FromResult(true); },
        };
        var runner = new JobRunner(_pipeline, TimeProvider.System);
        var spec = Spec(input, DatasetFormat.Jsonl);
        await using (var reader = DatasetReaders.Open(input, DatasetFormat.Csv, RowRange.All))
        {
            await runner.RunAsync(model, spec, reader, new JobResultFilesSpec(output, errors, false), JobCheckpoint.Start(0), settings, crash.Token);
        }
        Assert.Equal(24, stored.NextRow);
        Assert.True(Lines(output).Count > 24);

        await using (var reader = DatasetReaders.Open(input, DatasetFormat.Csv, new RowRange(stored.NextRow, null)))
        {
            var resumed = await runner.RunAsync(model, spec, reader, new JobResultFilesSpec(output, errors, false), stored, settings with { HoldAfterRows = null }, default);
            Assert.Equal((JobRunOutcome.Completed, 50L), (resumed.Outcome, resumed.Checkpoint.Succeeded));
        }
        Assert.Equal(File.ReadAllText(reference), File.ReadAllText(output));
    }

    [Fact]
    public async Task Checkpoint_WhileTheStoreIsSlow_RowsGoOnAndEveryCheckpointIsStoredInOrder()
    {
        var model = Identity();
        var input = Write("in.csv", Csv(50));
        var output = Path.Combine(_folder, "out.jsonl");
        var stored = new List<long>();
        var firstHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var settings = new JobRunSettings
        {
            CheckpointRows = 8,
            CheckpointInterval = TimeSpan.FromHours(1),
            BatchesInFlight = 1,
            Checkpoint = async (c, _) =>
            {
                if (stored.Count == 0)
                {
                    firstHeld.SetResult();
                    await release.Task; // a store (or a disk) that takes its time over the first checkpoint
                }
                stored.Add(c.NextRow);
                return true;
            },
        };
        await using var reader = new CountingReader(DatasetReaders.Open(input, DatasetFormat.Csv, RowRange.All), 24);
        var run = new JobRunner(_pipeline, TimeProvider.System).RunAsync(model, Spec(input, DatasetFormat.Jsonl), reader,
            new JobResultFilesSpec(output, Path.Combine(_folder, "out.errors.jsonl"), false), JobCheckpoint.Start(0), settings, default);

        // With the first checkpoint held at row 8, the next batch is still written (its slot freed), so the reader is
        // asked for a third batch: waiting for the store in line with the rows would stop the reading at 16.
        await firstHeld.Task;
        try
        {
            await reader.Reached.WaitAsync(TimeSpan.FromSeconds(30)); // a watchdog: only a failure waits it out
            Assert.Empty(stored);
        }
        finally
        {
            release.SetResult();
        }

        var result = await run;
        Assert.Equal((JobRunOutcome.Completed, 50L), (result.Outcome, result.Checkpoint.Succeeded));
        Assert.Equal([8L, 16, 24, 32, 40, 48], stored);
        Assert.Equal(Enumerable.Range(0, 50), Lines(output).Select(l => l.GetProperty("row").GetInt32()));
    }

    [Fact]
    public async Task Checkpoint_ThatSaysStop_EndsTheRunStoppedWithNoCheckpointAfterIt()
    {
        // A checkpoint's answer comes back while the rows go on: a "stop" (cancelled, or the lease lost) is acted on
        // when the next checkpoint falls due, and nothing is stored after it.
        var model = Identity();
        var input = Write("in.csv", Csv(200));
        var calls = new List<long>();
        var settings = new JobRunSettings
        {
            CheckpointRows = 8,
            CheckpointInterval = TimeSpan.FromHours(1),
            BatchesInFlight = 1,
            Checkpoint = (c, _) =>
            {
                calls.Add(c.NextRow);
                return ValueTask.FromResult(calls.Count < 2);
            },
        };
        await using var reader = DatasetReaders.Open(input, DatasetFormat.Csv, RowRange.All);
        var result = await new JobRunner(_pipeline, TimeProvider.System).RunAsync(model, Spec(input, DatasetFormat.Jsonl), reader,
            new JobResultFilesSpec(Path.Combine(_folder, "out.jsonl"), Path.Combine(_folder, "out.errors.jsonl"), false), JobCheckpoint.Start(0), settings, default);

        Assert.Equal(JobRunOutcome.Stopped, result.Outcome);
        Assert.Equal([8L, 16], calls);
        Assert.InRange(result.Checkpoint.Succeeded, 16, 199);
    }

    /// <summary>A reader whose <see cref="Reached"/> completes once it has handed out a given number of rows.</summary>
    private sealed class CountingReader(IDatasetReader inner, int rows) : IDatasetReader
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _read;

        public Task Reached => _reached.Task;

        public async ValueTask<DatasetRow?> ReadAsync(CancellationToken cancellationToken)
        {
            var row = await inner.ReadAsync(cancellationToken);
            if (row is not null && Interlocked.Increment(ref _read) >= rows)
            {
                _reached.TrySetResult();
            }
            return row;
        }

        public void RowsDone(long nextRow) => inner.RowsDone(nextRow);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    [Theory]
    [InlineData(DatasetFormat.Csv)]
    [InlineData(DatasetFormat.Jsonl)]
    public async Task Shards_TwoPartsLaidEndToEnd_EqualTheUnshardedRun(DatasetFormat format)
    {
        var model = Identity();
        var csv = Write("in.csv", Csv(37));
        var input = format == DatasetFormat.Csv ? csv : Write("in.jsonl", string.Concat(Enumerable.Range(0, 37).Select(i => $"{{\"id\": \"k{i}\", \"x\": [{i}, {i + 0.5}, {-i}]}}\n")));
        var whole = Path.Combine(_folder, "whole.jsonl");
        await RunAsync(model, Spec(input, DatasetFormat.Jsonl), whole);

        var parts = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var range = await DatasetReaders.ShardAsync(input, format, i, 2, default);
            var part = OfflineBatch.ShardPathFor(Path.Combine(_folder, "out.jsonl"), i, 2);
            await RunAsync(model, Spec(input, DatasetFormat.Jsonl), part, range);
            parts.Add(File.ReadAllText(part));
        }

        Assert.EndsWith("out-00001-of-00002.jsonl", OfflineBatch.ShardPathFor("out.jsonl", 1, 2), StringComparison.Ordinal);
        Assert.NotEqual("", parts[0]);
        Assert.Equal(File.ReadAllText(whole), string.Concat(parts));
    }
}
