using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using CsvHelper;
using InferenceService.Engine.Jobs;

namespace InferenceService.Benchmarks;

/// <summary>
/// A batch job's CSV reading: 10,000 rows of a key and 64 cells (<c>0.1234</c>, as the jobs benchmark writes them),
/// read into the job's rows (<c>CsvDatasetReader</c>: every cell's bytes copied into blocks shared by many rows),
/// against CsvHelper alone visiting every cell of every record (baseline): what the job's rows cost over the tokenizer.
/// </summary>
[MemoryDiagnoser]
public class CsvReadingBenchmarks
{
    private const int Rows = 10_000;
    private const int Features = 64;

    private byte[] _file = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var text = new StringBuilder("id");
        for (var j = 0; j < Features; j++)
        {
            text.Append(CultureInfo.InvariantCulture, $",f{j}");
        }
        text.Append('\n');
        for (var i = 0; i < Rows; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"r{i}");
            for (var j = 0; j < Features; j++)
            {
                text.Append(',').Append(random.NextDouble().ToString("F4", CultureInfo.InvariantCulture));
            }
            text.Append('\n');
        }
        _file = Encoding.ASCII.GetBytes(text.ToString());
    }

    [Benchmark(Baseline = true, Description = "CsvHelper, every cell visited")]
    public async Task<long> Tokenizer()
    {
        await using var reader = CsvReader.Create(new MemoryStream(_file, writable: false), CsvDatasetReader.Options, false);
        await reader.ReadHeaderAsync(CancellationToken.None);
        long bytes = 0;
        while (await reader.ReadAsync(CancellationToken.None))
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                bytes += reader.GetSpan(i).Length;
            }
        }
        return bytes;
    }

    [Benchmark(Description = "the job's rows (CsvDatasetReader)")]
    public async Task<long> JobRows()
    {
        await using var reader = new CsvDatasetReader(new MemoryStream(_file, writable: false), RowRange.All);
        long cells = 0;
        while (await reader.ReadAsync(CancellationToken.None) is { } row)
        {
            cells += row.Count;
            // Every row before this one is done, as the job's writer says after each batch: the blocks are reused.
            reader.RowsDone(row.Index);
        }
        return cells;
    }
}
