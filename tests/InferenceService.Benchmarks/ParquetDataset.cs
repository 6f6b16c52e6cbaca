using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace InferenceService.Benchmarks;

/// <summary>
/// <c>parquet-dataset &lt;in.csv&gt; &lt;out.parquet&gt;</c>: the batch-job benchmark's dataset as Parquet. The CSV is the
/// benchmark's own (a header row, a text key column, then number columns, no quoting); the Parquet file has the same
/// columns, the key as a string column and each feature as a float column, in row groups of 65,536 rows.
/// </summary>
internal static class ParquetDataset
{
    public const string Command = "parquet-dataset";

    private const int RowGroupRows = 65_536;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 3)
        {
            Console.Error.WriteLine($"usage: {Command} <in.csv> <out.parquet>");
            return 2;
        }
        using var csv = new StreamReader(args[1]);
        var header = (await csv.ReadLineAsync())!.Split(',');
        var key = new DataField<string>(header[0]);
        var features = header[1..].Select(name => new DataField<float>(name)).ToArray();
        var schema = new ParquetSchema([key, .. features]);
        await using var file = File.Create(args[2]);
        await using var writer = await ParquetWriter.CreateAsync(schema, file);
        var keys = new string[RowGroupRows];
        var columns = features.Select(_ => new float[RowGroupRows]).ToArray();
        long total = 0;
        while (true)
        {
            var rows = 0;
            while (rows < RowGroupRows && await csv.ReadLineAsync() is { } line)
            {
                var cells = line.Split(',');
                keys[rows] = cells[0];
                for (var j = 0; j < features.Length; j++)
                {
                    columns[j][rows] = float.Parse(cells[j + 1], CultureInfo.InvariantCulture);
                }
                rows++;
            }
            if (rows == 0)
            {
                break;
            }
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(key, keys[..rows], null);
            for (var j = 0; j < features.Length; j++)
            {
                await group.WriteAsync<float>(features[j], columns[j].AsMemory(0, rows), null, null, default);
            }
            group.CompleteValidate();
            total += rows;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total} rows"));
        return 0;
    }
}
