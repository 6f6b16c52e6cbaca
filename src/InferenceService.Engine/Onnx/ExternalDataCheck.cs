using System.Text;

namespace InferenceService.Engine.Onnx;

/// <summary>
/// Finds every external-data location an ONNX model names (TensorProto.external_data's "location" entries, in the
/// graph's initializers, sparse initializers, node attributes, nested subgraphs, functions and training graphs) and
/// says which of them would reach outside the model's version folder: an absolute path, a drive, a ".." segment, or
/// a symbolic link (of the file or of any folder on its way) that resolves elsewhere. ONNX's external data is read
/// from wherever the location points, so a model file alone could otherwise make the server read any file
/// (CVE-2022-25882, CVE-2024-27318). ONNX Runtime checks this itself too (since 1.24, for models loaded from a
/// path); checking first gives a reason of our own and covers models loaded from bytes.
/// <para>
/// The model's protobuf is walked with a minimal reader that reads only the fields on the way to the locations and
/// seeks past everything else (raw tensor data above all), so a multi-gigabyte model costs a few reads. A file that
/// is not a well-formed protobuf is left to ONNX Runtime, which refuses it with its own reason.
/// </para>
/// </summary>
public static class ExternalDataCheck
{
    private const int MaxDepth = 64;

    /// <summary>The problems of the model at <paramref name="modelPath"/>, one sentence each; empty when there is none.</summary>
    public static IReadOnlyList<string> Problems(string modelPath)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        List<string> locations;
        try
        {
            using var stream = new FileStream(modelPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, FileOptions.RandomAccess);
            locations = Locations(stream);
        }
        catch (InvalidDataException)
        {
            return [];
        }
        var problems = new List<string>();
        foreach (var location in locations.Distinct(StringComparer.Ordinal))
        {
            if (ProblemOf(folder, location) is { } problem)
            {
                problems.Add(problem);
            }
        }
        return problems;
    }

    /// <summary>Every external-data location in a serialized ModelProto.</summary>
    /// <exception cref="InvalidDataException">The stream is not a well-formed protobuf.</exception>
    public static List<string> Locations(Stream model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var reader = new ProtoReader(model);
        var found = new List<string>();
        reader.ReadMessage(model.Length, Message.Model, found, 0);
        return found;
    }

    /// <summary>Why <paramref name="location"/> leaves <paramref name="folder"/>; null when it stays inside.</summary>
    public static string? ProblemOf(string folder, string location)
    {
        var shown = Shown(location);
        if (location.Length == 0 || location.Contains('\0', StringComparison.Ordinal))
        {
            return $"external data location '{shown}' is not a file name.";
        }
        if (Path.IsPathRooted(location) || location.Contains(':', StringComparison.Ordinal) || location.StartsWith('\\') || location.StartsWith('/'))
        {
            return $"external data location '{shown}' is an absolute path; it must be relative to the model's version folder.";
        }
        var segments = location.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s == ".."))
        {
            return $"external data location '{shown}' climbs out of the model's version folder ('..').";
        }
        // Follow symbolic links one segment at a time: a folder link on the way counts as much as a link to the file.
        var root = RealPath(folder);
        var current = root;
        foreach (var segment in segments.Where(s => s != "."))
        {
            current = Path.Combine(current, segment);
            var info = new FileInfo(current);
            if (info.LinkTarget is not null || (Directory.Exists(current) && new DirectoryInfo(current).LinkTarget is not null))
            {
                var target = (FileSystemInfo?)info.ResolveLinkTarget(returnFinalTarget: true) ?? new DirectoryInfo(current).ResolveLinkTarget(returnFinalTarget: true);
                current = target is null ? current : RealPath(target.FullName);
            }
            if (!IsInside(root, current))
            {
                return $"external data location '{shown}' leads out of the model's version folder through a symbolic link.";
            }
        }
        return null;
    }

    private static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var info = new DirectoryInfo(full);
        return info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target ? Path.GetFullPath(target.FullName) : full;
    }

    private static bool IsInside(string root, string path)
    {
        var full = Path.GetFullPath(path);
        var prefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        return full.StartsWith(prefix, StringComparison.Ordinal);
    }

    /// <summary>The location as a reason may show it: printable, and short (it is the model author's text, not ours).</summary>
    private static string Shown(string location)
    {
        var text = new StringBuilder();
        foreach (var c in location.Take(80))
        {
            text.Append(char.IsControl(c) ? '?' : c);
        }
        return location.Length > 80 ? text.Append('…').ToString() : text.ToString();
    }

    /// <summary>The messages on the way from a ModelProto to its tensors' external_data entries.</summary>
    private enum Message
    {
        Model,
        Graph,
        Node,
        Attribute,
        Tensor,
        SparseTensor,
        Function,
        TrainingInfo,
        StringStringEntry,
    }

    /// <summary>A protobuf reader that descends into the fields that can hold tensors and seeks past the rest.</summary>
    private sealed class ProtoReader(Stream stream)
    {
        private const int WireVarint = 0, WireFixed64 = 1, WireLengthDelimited = 2, WireFixed32 = 5;

        public void ReadMessage(long end, Message message, List<string> found, int depth)
        {
            if (depth > MaxDepth)
            {
                throw new InvalidDataException("The model nests too deeply.");
            }
            string? key = null, value = null;
            while (stream.Position < end)
            {
                var tag = ReadVarint();
                var field = (int)(tag >> 3);
                var wire = (int)(tag & 7);
                if (wire == WireLengthDelimited)
                {
                    var length = (long)ReadVarint();
                    var fieldEnd = stream.Position + length;
                    if (length < 0 || fieldEnd > end)
                    {
                        throw new InvalidDataException("A field runs past its message.");
                    }
                    if (message == Message.StringStringEntry && field is 1 or 2)
                    {
                        var text = ReadString(length);
                        (key, value) = field == 1 ? (text, value) : (key, text);
                    }
                    else if (Child(message, field) is { } child)
                    {
                        ReadMessage(fieldEnd, child, found, depth + 1);
                    }
                    stream.Position = fieldEnd;
                }
                else
                {
                    Skip(wire);
                }
            }
            if (message == Message.StringStringEntry && key == "location" && value is not null)
            {
                found.Add(value);
            }
        }

        /// <summary>The message type of a length-delimited field that can lead to tensors; null for any other field.</summary>
        private static Message? Child(Message message, int field) => (message, field) switch
        {
            (Message.Model, 7) => Message.Graph,
            (Message.Model, 20) => Message.TrainingInfo,
            (Message.Model, 25) => Message.Function,
            (Message.TrainingInfo, 1 or 2) => Message.Graph,
            (Message.Graph, 1) => Message.Node,
            (Message.Graph, 5) => Message.Tensor,
            (Message.Graph, 15) => Message.SparseTensor,
            (Message.Function, 7) => Message.Node,
            (Message.Node, 5) => Message.Attribute,
            (Message.Attribute, 5 or 10) => Message.Tensor,
            (Message.Attribute, 6 or 11) => Message.Graph,
            (Message.Attribute, 22 or 23) => Message.SparseTensor,
            (Message.SparseTensor, 1 or 2) => Message.Tensor,
            (Message.Tensor, 13) => Message.StringStringEntry,
            _ => null,
        };

        private ulong ReadVarint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = stream.ReadByte();
                if (b < 0)
                {
                    throw new InvalidDataException("The model ends inside a number.");
                }
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }
            throw new InvalidDataException("A number is longer than 10 bytes.");
        }

        private void Skip(int wire)
        {
            switch (wire)
            {
                case WireVarint:
                    ReadVarint();
                    break;
                case WireFixed64:
                    stream.Position += 8;
                    break;
                case WireFixed32:
                    stream.Position += 4;
                    break;
                default:
                    throw new InvalidDataException($"Wire type {wire} is not one ONNX uses.");
            }
        }

        private string ReadString(long length)
        {
            if (length > 4096)
            {
                // Longer than any path: shown cut, and certainly not inside the folder's name limits.
                var head = new byte[4096];
                stream.ReadExactly(head);
                return Encoding.UTF8.GetString(head) + "…";
            }
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return Encoding.UTF8.GetString(bytes);
        }
    }
}
