using InferenceService.Engine.Jobs;
using Parquet.Schema;
using Parquet.Serialization;

namespace InferenceService.Engine.Tests.Jobs;

/// <summary>The three input formats: rows, values, bad rows, ranges and shards.</summary>
public sealed class DatasetReaderTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "dataset-tests-" + Guid.NewGuid().ToString("N"));

    public DatasetReaderTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<List<DatasetRow>> ReadAllAsync(string path, DatasetFormat format, RowRange? range = null)
    {
        await using var reader = DatasetReaders.Open(path, format, range ?? RowRange.All);
        var rows = new List<DatasetRow>();
        while (await reader.ReadAsync(default) is { } row)
        {
            rows.Add(row);
        }
        return rows;
    }

    private static string Cells(int row, int cells) => string.Join(',', Enumerable.Range(0, cells).Select(c => $"r{row}c{c}"));

    [Fact]
    public async Task Csv_RowsSaidDone_LeaveTheirBlocksToLaterRowsAndRowsStillHeldKeepTheirCells()
    {
        // 20,000 rows of 20 cells (about 180 bytes) fill some 55 blocks if none were reused. 1,000 rows held at a time span
        // three blocks or four, more than one block's worth, so a block reused while a row in it is held shows.
        var path = Write("many.csv", "h" + string.Concat(Enumerable.Range(1, 19).Select(c => $",h{c}")) + "\n"
            + string.Concat(Enumerable.Range(0, 20_000).Select(r => Cells(r, 20) + "\n")));
        await using var reader = DatasetReaders.Open(path, DatasetFormat.Csv, RowRange.All);
        var held = new Queue<DatasetRow>();

        while (await reader.ReadAsync(default) is { } row)
        {
            held.Enqueue(row);
            if (held.Count > 1_000)
            {
                var oldest = held.Dequeue();
                Assert.Equal(Cells((int)oldest.Index, 20), string.Join(',', oldest.Values.Select(v => v.Text)));
                reader.RowsDone(oldest.Index + 1);
            }
        }

        Assert.All(held, r => Assert.Equal(Cells((int)r.Index, 20), string.Join(',', r.Values.Select(v => v.Text))));
        Assert.InRange(((CsvDatasetReader)reader).BlocksAllocated, 1, 5);
    }

    [Fact]
    public async Task Csv_RowsNeverSaidDone_AllKeepTheirCells()
    {
        var path = Write("kept.csv", "h" + string.Concat(Enumerable.Range(1, 19).Select(c => $",h{c}")) + "\n"
            + string.Concat(Enumerable.Range(0, 20_000).Select(r => Cells(r, 20) + "\n")));

        var rows = await ReadAllAsync(path, DatasetFormat.Csv);

        Assert.Equal(20_000, rows.Count);
        Assert.All(rows, r => Assert.Equal(Cells((int)r.Index, 20), string.Join(',', r.Values.Select(v => v.Text))));
    }

    [Fact]
    public async Task Csv_ARowLargerThanABlock_IsReadWholeBetweenOrdinaryRows()
    {
        var large = new string('x', CellBlocks.BlockBytes + 10);
        var path = Write("large.csv", $"id,v\na,1\nb,{large}\nc,3\n");

        var rows = await ReadAllAsync(path, DatasetFormat.Csv);

        Assert.Equal(["1", large, "3"], rows.Select(r => r.Values[1].Text));
        Assert.Equal(["a", "b", "c"], rows.Select(r => r.Values[0].Text));
    }

    [Fact]
    public async Task Csv_QuotedCellsAndShortRows_KeepTheirValues()
    {
        var path = Write("a.csv", "id,x,y\n\"a,1\",1.5,\"say \"\"hi\"\"\"\n\nb,007\n");

        var rows = await ReadAllAsync(path, DatasetFormat.Csv);

        Assert.Equal([0L, 1], rows.Select(r => r.Index));
        Assert.Equal(["a,1", "1.5", "say \"hi\""], rows[0].Values.Select(v => v.Text));
        Assert.Equal(["id", "x"], rows[1].Names);
        Assert.Equal("\"007\"", rows[1].Values[1].ToKeyJson()); // a key keeps its leading zeros
        Assert.Equal("7", rows[1].Values[1].ToJson()); // as a model input it is the number 7
        Assert.Equal(2, await DatasetReaders.CountAsync(path, DatasetFormat.Csv, default));
    }

    [Fact]
    public async Task Csv_RandomRecords_CellsAsTheTokenizerDecodesThem()
    {
        // Plain records (copied whole, split at the commas) among quoted ones (decoded cell by cell), long ones past 32
        // bytes, empty cells, short and long rows: every cell must read as CsvHelper's own decoding of it.
        var random = new Random(3);
        string RandomCell() => random.Next(6) switch
        {
            0 => "",
            1 => "\"" + new string([.. Enumerable.Range(0, random.Next(0, 6)).Select(_ => ",a\"x"[random.Next(4)])]).Replace("\"", "\"\"") + "\"",
            _ => new string([.. Enumerable.Range(0, random.Next(1, 12)).Select(_ => "0123456789.-ab "[random.Next(15)])]),
        };
        var lines = Enumerable.Range(0, 3_000).Select(_ => string.Join(',', Enumerable.Range(0, random.Next(1, 40)).Select(_ => RandomCell())))
            .Where(line => line.Length > 0).ToList();
        var path = Write("random.csv", "h0,h1,h2\n" + string.Join('\n', lines) + "\n");

        var rows = await ReadAllAsync(path, DatasetFormat.Csv);

        await using var tokenizer = CsvHelper.CsvReader.Create(File.OpenRead(path), CsvDatasetReader.Options, false);
        await tokenizer.ReadHeaderAsync(default);
        var read = 0;
        while (await tokenizer.ReadAsync(default))
        {
            var row = rows[read++];
            Assert.Equal(Enumerable.Range(0, tokenizer.FieldCount).Select(tokenizer.GetString), row.Values.Select(v => v.Text));
        }
        Assert.Equal(rows.Count, read);
        Assert.InRange(rows.Count(r => r.Count > 20), 100, rows.Count); // records long enough for the 32-byte scan
    }

    [Theory]
    [InlineData("1.5", "1.5")]
    [InlineData("-0", "-0")]
    [InlineData(".5", "0.5")]
    [InlineData(" 2 ", "2")]
    [InlineData("abc", "\"abc\"")]
    [InlineData("NaN", "\"NaN\"")]
    public void CellToJson_NumbersStayNumbers_OtherTextBecomesAString(string cell, string json) =>
        Assert.Equal(json, DatasetValue.Cell(cell).ToJson());

    [Fact]
    public async Task Jsonl_BlankLinesSkipped_BadLinesAreBadRows()
    {
        var path = Write("a.jsonl", "{\"x\": [1, 2]}\n\n[1]\n{oops\n{\"x\": 3, \"id\": \"k\"}\n");

        var rows = await ReadAllAsync(path, DatasetFormat.Jsonl);

        Assert.Equal([0L, 1, 2, 3], rows.Select(r => r.Index));
        Assert.Equal("[1, 2]", rows[0].Values[0].Text);
        Assert.Contains("not an object", rows[1].Error, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", rows[2].Error, StringComparison.Ordinal);
        Assert.True(rows[3].TryGet("id", out var key) && key.ToPlainText() == "k");
        Assert.Equal(4, await DatasetReaders.CountAsync(path, DatasetFormat.Jsonl, default));
    }

    [Fact]
    public async Task Range_ReadsOnlyItsRowsWithTheirGlobalIndices()
    {
        var path = Write("a.csv", "x\n" + string.Concat(Enumerable.Range(0, 10).Select(i => $"{i}\n")));

        var rows = await ReadAllAsync(path, DatasetFormat.Csv, new RowRange(3, 6));

        Assert.Equal([3L, 4, 5], rows.Select(r => r.Index));
        Assert.Equal(["3", "4", "5"], rows.Select(r => r.Values[0].Text));
    }

    [Fact]
    public async Task Shards_OfCsv_AreConsecutiveLineRangesCoveringEveryRowOnce()
    {
        var path = Write("a.csv", "x\n" + string.Concat(Enumerable.Range(0, 10).Select(i => $"{i}\n")));

        var ranges = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => DatasetReaders.ShardAsync(path, DatasetFormat.Csv, i, 3, default)));

        Assert.Equal([new RowRange(0, 3), new RowRange(3, 6), new RowRange(6, 10)], ranges);
    }

    [Fact]
    public async Task Parquet_ScalarAndListColumns_ReadRowGroupByRowGroup_AndShardByRowGroups()
    {
        var path = Path.Combine(_folder, "a.parquet");
        var schema = new ParquetSchema(new DataField<string>("id"), new DataField<double>("score"), new ListField("features", new DataField<float>("element")));
        await using (var file = File.Create(path))
        {
            for (var group = 0; group < 3; group++)
            {
                var rows = Enumerable.Range(group * 2, 2).Select(i => (IDictionary<string, object?>)new Dictionary<string, object?>
                {
                    ["id"] = $"k{i}",
                    ["score"] = i + 0.5,
                    ["features"] = new[] { i, i + 0.25f },
                }).ToList();
                await ParquetSerializer.SerializeUntypedAsync(rows, schema, file, new Parquet.ParquetOptions { Append = group > 0 });
            }
        }

        var all = await ReadAllAsync(path, DatasetFormat.Parquet);
        var second = await DatasetReaders.ShardAsync(path, DatasetFormat.Parquet, 1, 2, default);
        var part = await ReadAllAsync(path, DatasetFormat.Parquet, second);

        Assert.Equal(6, await DatasetReaders.CountAsync(path, DatasetFormat.Parquet, default));
        Assert.Equal([0L, 1, 2, 3, 4, 5], all.Select(r => r.Index));
        Assert.True(all[3].TryGet("features", out var features));
        Assert.Equal("[3,3.25]", features.Text);
        Assert.True(all[3].TryGet("id", out var id) && id.ToPlainText() == "k3");
        Assert.True(all[3].TryGet("score", out var score) && score.Text == "3.5");
        Assert.Equal(new RowRange(2, 6), second); // row groups 1 and 2 of 3
        Assert.Equal([2L, 3, 4, 5], part.Select(r => r.Index));
    }

    [Fact]
    public async Task Parquet_FlatColumns_ReadByColumn_GiveTheRowByRowTexts_AndShardByRowGroups()
    {
        var path = Path.Combine(_folder, "flat.parquet");
        var id = new DataField<string>("id");
        var score = new DataField<double>("score");
        var count = new DataField<int?>("count");
        await using (var file = File.Create(path))
        await using (var writer = await Parquet.ParquetWriter.CreateAsync(new ParquetSchema(id, score, count), file))
        {
            for (var group = 0; group < 3; group++)
            {
                using var rows = writer.CreateRowGroup();
                await rows.WriteAsync(id, [$"k{group * 2}", $"k{(group * 2) + 1}"], null);
                await rows.WriteAsync<double>(score, new[] { (group * 2) + 0.5, (group * 2) + 1.5 }, null, null, default);
                await rows.WriteAsync<int>(count, new int?[] { group, null }, null, null, default);
            }
        }

        var all = await ReadAllAsync(path, DatasetFormat.Parquet);
        var second = await DatasetReaders.ShardAsync(path, DatasetFormat.Parquet, 1, 2, default);
        var part = await ReadAllAsync(path, DatasetFormat.Parquet, second);

        Assert.Equal([0L, 1, 2, 3, 4, 5], all.Select(r => r.Index));
        Assert.All(all, r => Assert.NotNull(r.Columns)); // read column by column, not as objects
        Assert.Equal(["id", "score", "count"], all[3].Names);
        Assert.Equal(["\"k3\"", "3.5", "null"], all[3].Values.Select(v => v.Text));
        Assert.Equal(["\"k4\"", "4.5", "2"], all[4].Values.Select(v => v.Text));
        Assert.Equal("k3", all[3].ValueAt(0).ToPlainText());
        Assert.Equal(new RowRange(2, 6), second);
        Assert.Equal([2L, 3, 4, 5], part.Select(r => r.Index));
        Assert.Equal("\"k2\"", part[0].ValueAt(0).Text);
    }

    /// <summary>CSV files the line-feed count takes (plain) and those it leaves to CsvHelper, each with the rows the reader yields.</summary>
    public static TheoryData<string, string> CsvCounts => new()
    {
        { "plain", "id,x\na,1\nb,2\n" },
        { "no final line feed", "id,x\na,1\nb,2" },
        { "header only", "id,x\n" },
        { "a line of spaces", "id,x\na,1\n  \nb,2\n" },
        { "an empty line", "id,x\na,1\n\nb,2\n" },
        { "an empty first line", "\nid,x\na,1\n" },
        { "a quoted line break", "id,x\n\"a\nb\",1\nc,2\n" },
        { "CRLF", "id,x\r\na,1\r\nb,2\r\n" },
        { "empty", "" },
    };

    [Theory]
    [MemberData(nameof(CsvCounts))]
    public async Task Csv_Count_IsTheRowsTheReaderYields(string kind, string text)
    {
        var path = Write(kind.Replace(' ', '-') + ".csv", text);

        var rows = await ReadAllAsync(path, DatasetFormat.Csv);

        Assert.Equal(rows.Count, await DatasetReaders.CountAsync(path, DatasetFormat.Csv, default));
    }

    [Fact]
    public async Task Csv_Count_AnEmptyLineAcrossTheCountsChunks_IsStillSkipped()
    {
        // The first chunk ends with a line feed and the next begins with one: an empty line that no one chunk shows.
        var header = "id,x\n";
        var line = "a,1\n";
        var first = new System.Text.StringBuilder(header);
        while (first.Length + line.Length <= CsvDatasetReader.CountChunkBytes)
        {
            first.Append(line);
        }
        first.Append('a', CsvDatasetReader.CountChunkBytes - first.Length - 1).Append('\n');
        var path = Write("boundary.csv", first + "\nb,2\n");

        var rows = await ReadAllAsync(path, DatasetFormat.Csv);

        Assert.Equal(CsvDatasetReader.CountChunkBytes, new FileInfo(path).Length - "\nb,2\n".Length);
        Assert.Equal(rows.Count, await DatasetReaders.CountAsync(path, DatasetFormat.Csv, default));
    }
}
