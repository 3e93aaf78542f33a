namespace MedTune.Inference;

/// <summary>
/// Token sequences of different lengths laid out as one [rows, width] block, padded on the left so every row's last
/// token is in the last column. Position ids count real tokens only (cumsum(mask) - 1, 0 on padding), as HF does,
/// so a padded row sees the same positions as the row run alone.
/// </summary>
public sealed class LeftPaddedBatch
{
    public LeftPaddedBatch(IReadOnlyList<IReadOnlyList<int>> rows, int padId)
    {
        if (rows.Count == 0) throw new ArgumentException("a batch needs at least one row", nameof(rows));
        Rows = rows.Count;
        Width = rows.Max(r => r.Count);
        if (Width == 0) throw new ArgumentException("every row of a batch is empty; a prompt must encode to at least one token", nameof(rows));
        Tokens = new long[Rows * Width];
        AttentionMask = new long[Rows * Width];
        PositionIds = new long[Rows * Width];
        Offsets = new int[Rows];
        for (var r = 0; r < Rows; r++)
        {
            var row = rows[r];
            if (row.Count == 0) throw new ArgumentException($"row {r} is empty; a prompt must encode to at least one token", nameof(rows));
            Offsets[r] = Width - row.Count;
            for (var c = 0; c < Width; c++)
            {
                var real = c >= Offsets[r];
                Tokens[r * Width + c] = real ? row[c - Offsets[r]] : padId;
                AttentionMask[r * Width + c] = real ? 1 : 0;
                PositionIds[r * Width + c] = real ? c - Offsets[r] : 0;
            }
        }
    }

    public int Rows { get; }
    public int Width { get; }
    public long[] Tokens { get; }
    public long[] AttentionMask { get; }
    public long[] PositionIds { get; }
    /// <summary>Number of padding columns before each row's first real token.</summary>
    public int[] Offsets { get; }
}
