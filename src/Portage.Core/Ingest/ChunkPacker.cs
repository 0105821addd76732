namespace Portage.Core.Ingest;

/// <summary>
/// Packs the blocks of one section (paragraphs, code blocks, declarations) into chunks within a character budget.
/// Blocks stay whole when they fit; a block over the budget is cut at line or word boundaries. When a section runs
/// over several chunks, each one starts with the tail of the previous one (the overlap), so a sentence cut at a
/// boundary is still found whole in one of them.
/// </summary>
internal sealed class ChunkPacker(int budgetChars, int overlapChars)
{
    private const string BlockSeparator = "\n\n";

    public List<string> Pack(IEnumerable<string> blocks)
    {
        var chunks = new List<string>();
        var current = new List<string>();
        var currentLength = 0;
        var hasNew = false;

        void Flush()
        {
            if (hasNew)
            {
                chunks.Add(string.Join(BlockSeparator, current));
            }

            current.Clear();
            currentLength = 0;
            hasNew = false;
        }

        void StartWithOverlap()
        {
            if (chunks.Count > 0 && Tail(chunks[^1]) is { Length: > 0 } tail)
            {
                current.Add(tail);
                currentLength = tail.Length;
            }
        }

        foreach (var raw in blocks)
        {
            var block = raw.Trim('\n', '\r');
            if (block.Trim().Length == 0)
            {
                continue;
            }

            if (block.Length > budgetChars)
            {
                Flush();
                chunks.AddRange(Split(block));
                StartWithOverlap();
                continue;
            }

            var added = currentLength + (current.Count > 0 ? BlockSeparator.Length : 0) + block.Length;
            if (added > budgetChars)
            {
                if (hasNew)
                {
                    Flush();
                    StartWithOverlap();
                }

                if (currentLength + BlockSeparator.Length + block.Length > budgetChars)
                {
                    // The overlap and the block do not fit together: the block starts a clean chunk.
                    current.Clear();
                    currentLength = 0;
                }
            }

            currentLength += (current.Count > 0 ? BlockSeparator.Length : 0) + block.Length;
            current.Add(block);
            hasNew = true;
        }

        Flush();
        return chunks;
    }

    /// <summary>Cuts a long text into pieces of at most the budget, each overlapping the previous one.</summary>
    public List<string> Split(string text)
    {
        var pieces = new List<string>();
        var start = 0;
        while (start < text.Length)
        {
            var end = Math.Min(start + budgetChars, text.Length);
            if (end < text.Length)
            {
                end = BoundaryBefore(text, start + (budgetChars / 2), end);
            }

            var piece = text[start..end].Trim();
            if (piece.Length > 0)
            {
                pieces.Add(piece);
            }

            if (end >= text.Length)
            {
                break;
            }

            var next = BoundaryAfter(text, Math.Max(end - overlapChars, start + 1), end);
            start = next > start ? next : end;
        }

        return pieces;
    }

    /// <summary>The last <c>overlapChars</c> or so of a chunk, starting at a line or word boundary.</summary>
    public string Tail(string text)
    {
        if (overlapChars <= 0)
        {
            return string.Empty;
        }

        if (text.Length <= overlapChars)
        {
            return string.Empty; // the whole previous chunk would be repeated: no overlap is better than a duplicate
        }

        var from = BoundaryAfter(text, text.Length - overlapChars, text.Length);
        return text[from..].Trim();
    }

    // The last line end (else whitespace) in (min, max], as the exclusive end of a piece; max when there is none.
    private static int BoundaryBefore(string text, int min, int max)
    {
        var newline = text.LastIndexOf('\n', max - 1, max - min);
        if (newline > min)
        {
            return newline;
        }

        for (var i = max - 1; i > min; i--)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                return i;
            }
        }

        return max;
    }

    // The first position after a line end (else after whitespace) in [from, limit); from when there is none.
    private static int BoundaryAfter(string text, int from, int limit)
    {
        var newline = text.IndexOf('\n', from, limit - from);
        if (newline >= 0 && newline + 1 < limit)
        {
            return newline + 1;
        }

        for (var i = from; i < limit - 1; i++)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                return i + 1;
            }
        }

        return from;
    }
}
