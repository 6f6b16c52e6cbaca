using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsvHelper;
using InferenceService.Engine.Onnx;
using InferenceService.Engine.Scheduling;
using InferenceService.Engine.Serving;
using InferenceService.Engine.Tensors;
using Microsoft.Win32.SafeHandles;

namespace InferenceService.Engine.Jobs;

/// <summary>
/// A job's output and errors files as it writes them, appended row by row in input order, as JSON Lines or CSV (a
/// Parquet output is written as JSON Lines and converted once the job ends, since a Parquet file cannot be cut back to
/// a checkpoint). Opened at a checkpoint's lengths: whatever a crash left past them is cut off, so a resumed job writes
/// each row once. <see cref="WriteOutAsync"/> hands everything written to the operating system and returns the lengths
/// to checkpoint; <see cref="SyncToDisk"/> then puts it on disk (fsync), and may run on another thread while rows go on
/// being written: an fsync of a file is safe beside writes to it (<see cref="FlushAsync"/> does both at once).
/// <para>
/// JSON Lines: <c>{"row": 0, "key": …, "outputs": {"name": value}, "labels": {"name": "label"}}</c> per successful
/// row and <c>{"row", "key", "error"}</c> per failed one. CSV: the same fields as columns (row, key, one per output
/// holding its JSON text, name_label per labelled output; errors: row, key, error), under a header row.
/// </para>
/// </summary>
internal sealed class JobResultFiles : IAsyncDisposable
{
    private static readonly JsonWriterOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private readonly bool _csv;
    private readonly FileStream _output;
    private readonly FileStream _errors;
    private readonly SafeFileHandle _outputSync;
    private readonly SafeFileHandle _errorsSync;
    private readonly CsvWriter? _outputCsv;
    private readonly CsvWriter? _errorsCsv;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;
    private readonly bool _hasKey;
    private readonly bool _stacked;
    private readonly IReadOnlyList<TensorInfo> _outputs;
    private readonly IReadOnlyList<string>?[] _labels;
    private readonly string[] _cells;

    public JobResultFiles(string outputPath, string errorsPath, bool csv, JobCheckpoint at, LoadedModel model, IReadOnlyList<TensorInfo> outputs, bool hasKey, bool stacked)
    {
        _csv = csv;
        _hasKey = hasKey;
        _stacked = stacked;
        _outputs = outputs;
        _labels = [.. outputs.Select(o => model.Labels.TryGetValue(o.Name, out var labels) ? labels : null)];
        _output = OpenAt(outputPath, at.OutputBytes);
        _errors = OpenAt(errorsPath, at.ErrorBytes);
        // The handles that SyncToDisk fsyncs from another thread, taken now: the getter flushes the stream's buffer
        // and sets the file offset, which must not happen beside the writing, and nothing is buffered yet.
        _outputSync = _output.SafeFileHandle;
        _errorsSync = _errors.SafeFileHandle;
        _writer = new Utf8JsonWriter(_buffer, s_json);
        var labelled = _labels.Count(l => l is not null);
        _cells = new string[1 + (hasKey ? 1 : 0) + outputs.Count + labelled];
        if (csv)
        {
            _outputCsv = CsvWriter.Create(_output, new CsvWriterOptions(), true);
            _errorsCsv = CsvWriter.Create(_errors, new CsvWriterOptions(), true);
            if (_output.Length == 0)
            {
                string[] header = [.. OutputColumns(outputs, hasKey, _labels)];
                _outputCsv.WriteRecord(header);
            }
            if (_errors.Length == 0)
            {
                _errorsCsv.WriteRecord(hasKey ? ["row", "key", "error"] : ["row", "error"]);
            }
        }
    }

    /// <summary>The CSV (and Parquet) columns of an output file.</summary>
    public static IEnumerable<string> OutputColumns(IReadOnlyList<TensorInfo> outputs, bool hasKey, IReadOnlyList<IReadOnlyList<string>?> labels)
    {
        yield return "row";
        if (hasKey)
        {
            yield return "key";
        }
        foreach (var output in outputs)
        {
            yield return output.Name;
        }
        for (var i = 0; i < outputs.Count; i++)
        {
            if (labels[i] is not null)
            {
                yield return outputs[i].Name + "_label";
            }
        }
    }

    public void WriteSuccess(long row, DatasetValue? key, ResultRows result, int rowInResult)
    {
        if (_csv)
        {
            var c = 0;
            _cells[c++] = row.ToString(CultureInfo.InvariantCulture);
            if (_hasKey)
            {
                _cells[c++] = key?.ToPlainText() ?? "";
            }
            for (var i = 0; i < _outputs.Count; i++)
            {
                _buffer.ResetWrittenCount();
                _writer.Reset(_buffer);
                WriteValue(result, i, rowInResult);
                _writer.Flush();
                _cells[c++] = Encoding.UTF8.GetString(_buffer.WrittenSpan);
            }
            for (var i = 0; i < _outputs.Count; i++)
            {
                if (_labels[i] is { } labels)
                {
                    _cells[c++] = RowLabels.Of(result, i, rowInResult, _stacked, labels) ?? "";
                }
            }
            _outputCsv!.WriteRecord(_cells);
            return;
        }
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        _writer.WriteNumber("row"u8, row);
        WriteKey(key);
        _writer.WriteStartObject("outputs"u8);
        for (var i = 0; i < _outputs.Count; i++)
        {
            _writer.WritePropertyName(_outputs[i].Name);
            WriteValue(result, i, rowInResult);
        }
        _writer.WriteEndObject();
        var started = false;
        for (var i = 0; i < _outputs.Count; i++)
        {
            if (_labels[i] is { } labels && RowLabels.Of(result, i, rowInResult, _stacked, labels) is { } label)
            {
                if (!started)
                {
                    _writer.WriteStartObject("labels"u8);
                    started = true;
                }
                _writer.WriteString(_outputs[i].Name, label);
            }
        }
        if (started)
        {
            _writer.WriteEndObject();
        }
        _writer.WriteEndObject();
        _writer.Flush();
        _buffer.Write("\n"u8);
        _output.Write(_buffer.WrittenSpan);
    }

    public void WriteError(long row, DatasetValue? key, string error)
    {
        if (_csv)
        {
            var r = row.ToString(CultureInfo.InvariantCulture);
            _errorsCsv!.WriteRecord(_hasKey ? [r, key?.ToPlainText() ?? "", error] : [r, error]);
            return;
        }
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        _writer.WriteNumber("row"u8, row);
        WriteKey(key);
        _writer.WriteString("error"u8, error);
        _writer.WriteEndObject();
        _writer.Flush();
        _buffer.Write("\n"u8);
        _errors.Write(_buffer.WrittenSpan);
    }

    /// <summary>Writes everything out and to disk; returns the files' lengths, for the checkpoint.</summary>
    public async ValueTask<(long Output, long Errors)> FlushAsync(CancellationToken cancellationToken)
    {
        var lengths = await WriteOutAsync(cancellationToken);
        SyncToDisk();
        return lengths;
    }

    /// <summary>Hands everything written so far to the operating system (not yet to disk); returns the files' lengths.</summary>
    public async ValueTask<(long Output, long Errors)> WriteOutAsync(CancellationToken cancellationToken)
    {
        if (_csv)
        {
            await _outputCsv!.FlushAsync(cancellationToken);
            await _errorsCsv!.FlushAsync(cancellationToken);
        }
        _output.Flush();
        _errors.Flush();
        return (_output.Position, _errors.Position);
    }

    /// <summary>Puts on disk what <see cref="WriteOutAsync"/> handed over (and whatever was written since).</summary>
    public void SyncToDisk()
    {
        RandomAccess.FlushToDisk(_outputSync);
        RandomAccess.FlushToDisk(_errorsSync);
    }

    private void WriteKey(DatasetValue? key)
    {
        if (!_hasKey)
        {
            return;
        }
        _writer.WritePropertyName("key"u8);
        if (key is { } value)
        {
            _writer.WriteRawValue(value.ToKeyJson(), skipInputValidation: true);
        }
        else
        {
            _writer.WriteNullValue();
        }
    }

    private void WriteValue(ResultRows result, int output, int rowInResult)
    {
        if (_stacked)
        {
            result.WriteRow(_writer, output, rowInResult);
        }
        else
        {
            JsonTensorEncoder.WriteNested(_writer, result.Values[output]);
        }
    }

    private static FileStream OpenAt(string path, long length)
    {
        var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 1 << 16 });
        // Cut off anything written after the checkpoint (a crash between writing rows and checkpointing them).
        stream.SetLength(Math.Min(stream.Length, length));
        stream.Position = stream.Length;
        return stream;
    }

    public async ValueTask DisposeAsync()
    {
        if (_outputCsv is not null)
        {
            await _outputCsv.DisposeAsync();
        }
        if (_errorsCsv is not null)
        {
            await _errorsCsv.DisposeAsync();
        }
        await _writer.DisposeAsync();
        await _output.DisposeAsync();
        await _errors.DisposeAsync();
    }
}
