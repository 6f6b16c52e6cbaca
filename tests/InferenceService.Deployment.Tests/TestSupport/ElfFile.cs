using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace InferenceService.Deployment.Tests.TestSupport;

/// <summary>
/// The shared libraries a Linux x64 library links (its DT_NEEDED entries, as readelf -d lists them), read from the file
/// itself: no readelf or ldd needed, and nothing loaded. (ELFSharp would do this too; it is not among the central package
/// versions, and the dynamic section is all these tests read.)
/// </summary>
internal static class ElfFile
{
    private const uint ProgramLoad = 1, ProgramDynamic = 2;
    private const long TagNull = 0, TagNeeded = 1, TagStringTable = 5;

    public static IReadOnlyList<string> Needed(string path)
    {
        using var file = File.OpenHandle(path);
        var header = Read(file, 0, 64);
        Assert.True(header[..4].SequenceEqual("\u007fELF"u8.ToArray()) && header[4] == 2 && header[5] == 1, $"{path} is not a 64-bit little-endian ELF file.");
        var programHeaders = (long)BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(0x20));
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x36));
        var count = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x38));

        var loads = new List<(ulong Address, ulong Size, ulong Offset)>();
        (ulong Offset, ulong Size)? dynamic = null;
        for (var i = 0; i < count; i++)
        {
            var entry = Read(file, programHeaders + (i * entrySize), 56);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(entry.AsSpan(8));
            var address = BinaryPrimitives.ReadUInt64LittleEndian(entry.AsSpan(16));
            var size = BinaryPrimitives.ReadUInt64LittleEndian(entry.AsSpan(32));
            if (type == ProgramLoad)
            {
                loads.Add((address, size, offset));
            }
            else if (type == ProgramDynamic)
            {
                dynamic = (offset, size);
            }
        }
        Assert.True(dynamic is not null, $"{path} has no dynamic section: it links nothing.");

        var table = Read(file, (long)dynamic.Value.Offset, (int)dynamic.Value.Size);
        var needed = new List<long>();
        ulong? strings = null;
        for (var at = 0; at + 16 <= table.Length; at += 16)
        {
            var tag = BinaryPrimitives.ReadInt64LittleEndian(table.AsSpan(at));
            var value = BinaryPrimitives.ReadUInt64LittleEndian(table.AsSpan(at + 8));
            if (tag == TagNull)
            {
                break;
            }
            if (tag == TagNeeded)
            {
                needed.Add((long)value);
            }
            else if (tag == TagStringTable)
            {
                strings = value;
            }
        }
        Assert.True(strings is not null, $"{path} has no dynamic string table.");
        // The string table is named by its address when loaded; the load segment holding it gives its place in the file.
        var segment = loads.Single(l => strings >= l.Address && strings < l.Address + l.Size);
        var tableOffset = (long)(strings.Value - segment.Address + segment.Offset);
        return needed.Select(n => CString(file, tableOffset + n)).ToList();
    }

    private static byte[] Read(SafeFileHandle file, long offset, int length)
    {
        var buffer = new byte[length];
        var read = RandomAccess.Read(file, buffer, offset);
        Assert.True(read == length, $"Unexpected end of file at {offset + read}.");
        return buffer;
    }

    private static string CString(SafeFileHandle file, long offset)
    {
        var buffer = new byte[256];
        var read = RandomAccess.Read(file, buffer, offset);
        var end = Array.IndexOf(buffer, (byte)0, 0, read);
        Assert.True(end >= 0, $"No library name at {offset}.");
        return Encoding.ASCII.GetString(buffer, 0, end);
    }
}
