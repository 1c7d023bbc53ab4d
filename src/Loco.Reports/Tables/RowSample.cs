namespace Loco.Reports.Tables;

/// <summary>Which rows of a long list a printed table shows.</summary>
public static class RowSample
{
    /// <summary>Up to <paramref name="rows"/> (at least 2) indices spread geometrically over 0..count−1 (first and last included).</summary>
    public static int[] Geometric(int count, int rows)
    {
        if (rows >= count || count <= 2)
        {
            return [.. Enumerable.Range(0, count)];
        }

        var picked = new SortedSet<int> { 0, count - 1 };
        for (int i = 1; i < rows - 1; i++)
        {
            picked.Add(Math.Clamp((int)Math.Round(Math.Pow(count, (double)i / (rows - 1)) - 1), 0, count - 1));
        }

        return [.. picked];
    }
}
