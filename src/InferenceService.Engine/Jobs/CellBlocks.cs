namespace InferenceService.Engine.Jobs;

/// <summary>
/// Where a CSV reader keeps its rows' cells: blocks of bytes and cell ends that many rows share, each block reused once
/// every row in it is done (<see cref="IDatasetReader.RowsDone"/>). A job reads a few batches ahead of what it has
/// written, so a handful of blocks serve a whole file: the rows cost the garbage collector nothing but their own small
/// objects, where two arrays a row (a row's bytes and its cell ends, about 700 bytes for 64 features) made a
/// collection every few thousand rows, and every collection pauses the online requests too.
/// The reader fills blocks on one thread; <see cref="RowsDone"/> may come from another.
/// </summary>
internal sealed class CellBlocks
{
    /// <summary>Bytes of cells a block holds; a row larger than this gets a block of its own, not reused.</summary>
    internal const int BlockBytes = 1 << 16;

    /// <summary>Cells a block holds.</summary>
    internal const int BlockCells = 1 << 14;

    /// <summary>Filled blocks kept for reuse at most (4 MB): a job has far fewer rows in flight.</summary>
    private const int MaxTracked = 64;

    private readonly Queue<Block> _full = new(); // filled, oldest first: reused when their last row is done
    private Block? _current;
    private long _doneBefore; // every row before this is done (written volatile by RowsDone)

    /// <summary>Rows before <paramref name="nextRow"/> will not be read again; their blocks may be reused.</summary>
    public void RowsDone(long nextRow) => Volatile.Write(ref _doneBefore, nextRow);

    /// <summary>Blocks allocated so far (for the tests: a whole file should need a few).</summary>
    internal int Allocated { get; private set; }

    /// <summary>
    /// Room for one row of <paramref name="cells"/> cells and <paramref name="bytes"/> bytes, for row
    /// <paramref name="row"/>: the block, where the row's bytes start and where its cell ends start.
    /// </summary>
    public (byte[] Bytes, int BytesStart, int[] Ends, int EndsStart) Take(long row, int cells, int bytes)
    {
        if (_current is null || _current.BytesUsed + bytes > _current.Bytes.Length || _current.EndsUsed + cells > _current.Ends.Length)
        {
            if (_current is not null)
            {
                _full.Enqueue(_current);
                if (_full.Count > MaxTracked)
                {
                    _full.Dequeue(); // a reader whose rows are never said to be done: its blocks are left to the collector
                }
            }
            _current = NextBlock(cells, bytes);
        }
        var block = _current;
        var taken = (block.Bytes, block.BytesUsed, block.Ends, block.EndsUsed);
        block.BytesUsed += bytes;
        block.EndsUsed += cells;
        block.LastRow = row;
        return taken;
    }

    private Block NextBlock(int cells, int bytes)
    {
        if (bytes > BlockBytes || cells > BlockCells)
        {
            Allocated++;
            return new Block(new byte[bytes], new int[cells], reusable: false);
        }
        var done = Volatile.Read(ref _doneBefore);
        while (_full.TryPeek(out var oldest) && oldest.LastRow < done)
        {
            _full.Dequeue();
            if (oldest.Reusable)
            {
                oldest.BytesUsed = 0;
                oldest.EndsUsed = 0;
                return oldest;
            }
        }
        Allocated++;
        return new Block(new byte[BlockBytes], new int[BlockCells], reusable: true);
    }

    private sealed class Block(byte[] bytes, int[] ends, bool reusable)
    {
        public byte[] Bytes { get; } = bytes;

        public int[] Ends { get; } = ends;

        public bool Reusable { get; } = reusable;

        public int BytesUsed { get; set; }

        public int EndsUsed { get; set; }

        public long LastRow { get; set; } = -1;
    }
}
