using System.Globalization;
using Loco.Core.Family;

namespace Loco.Torch.Ntk;

/// <summary>Reads the eigenvalues λ_i of an empirical NTK from the <c>lambda</c> column of a CSV file (as <c>loco ntk</c> writes spectrum.csv).</summary>
public static class NtkSpectrumFile
{
    /// <summary>
    /// The λ column of <paramref name="path"/>: a header line naming a <c>lambda</c> column, then one finite number per line.
    /// Problems are <see cref="InvalidInputException"/>s naming <paramref name="flag"/> and the file (and line).
    /// </summary>
    public static double[] ReadLambda(string path, string flag)
    {
        ArgumentNullException.ThrowIfNull(path);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidInputException(flag, $"cannot read '{path}' ({ex.Message}).");
        }

        if (lines.Length == 0)
        {
            throw new InvalidInputException(flag, $"'{path}' is empty; expected a CSV header with a 'lambda' column (as loco ntk writes spectrum.csv).");
        }

        string[] header = lines[0].Split(',', StringSplitOptions.TrimEntries);
        int column = Array.FindIndex(header, h => string.Equals(h, "lambda", StringComparison.OrdinalIgnoreCase));
        if (column < 0)
        {
            throw new InvalidInputException(flag, $"'{path}' has no 'lambda' column in its header '{lines[0]}' (expected loco ntk's spectrum.csv).");
        }

        var lambda = new List<double>();
        for (int l = 1; l < lines.Length; l++)
        {
            if (string.IsNullOrWhiteSpace(lines[l]))
            {
                continue;
            }

            string[] fields = lines[l].Split(',', StringSplitOptions.TrimEntries);
            if (column >= fields.Length || !double.TryParse(fields[column], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            {
                string text = column < fields.Length ? fields[column] : "";
                throw new InvalidInputException(flag, $"'{path}' line {l + 1}: lambda '{text}' is not a finite number.");
            }

            lambda.Add(value);
        }

        if (lambda.Count == 0)
        {
            throw new InvalidInputException(flag, $"'{path}' has a header but no eigenvalues.");
        }

        return [.. lambda];
    }
}
