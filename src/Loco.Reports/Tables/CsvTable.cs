using System.Globalization;
using System.Text;

namespace Loco.Reports.Tables;

/// <summary>
/// A CSV table built row by row: invariant culture, numbers as <see cref="Numbers.Format"/> writes them, strings quoted
/// when they hold a comma or a quote, rows ended by <c>\n</c> on every platform; saved through <see cref="OutputFile"/>.
/// </summary>
public sealed class CsvTable
{
    private readonly StringBuilder _text = new();
    private readonly int _columns;

    /// <summary>A table with these column names.</summary>
    public CsvTable(params string[] columns)
    {
        if (columns.Length == 0)
        {
            throw new ArgumentException("A table needs at least one column.", nameof(columns));
        }

        _columns = columns.Length;
        _text.Append(string.Join(',', columns)).Append('\n');
    }

    /// <summary>Rows added so far.</summary>
    public int Rows { get; private set; }

    /// <summary>The number of columns.</summary>
    public int Columns => _columns;

    /// <summary>Adds a row; numbers are written round-trip (NaN empty, ±∞ as inf/-inf), strings as they are (quoted if they hold a comma or quote).</summary>
    public CsvTable Add(params object?[] cells)
    {
        if (cells.Length != _columns)
        {
            throw new ArgumentException($"{cells.Length} cells for {_columns} columns.", nameof(cells));
        }

        _text.Append(Line(cells)).Append('\n');
        Rows++;
        return this;
    }

    /// <summary>
    /// One row as <see cref="Add"/> writes it, without its line break: for a table appended a row at a time, as a file that
    /// outlives the process (the sweep's cells.csv).
    /// </summary>
    public static string Line(params object?[] cells) => string.Join(',', cells.Select(Format));

    /// <summary>Writes the table to <paramref name="path"/> through <see cref="OutputFile"/> and returns the path.</summary>
    public string Save(string path, TextWriter? standardOutput = null)
    {
        OutputFile.Write(path, _text.ToString(), standardOutput);
        return path;
    }

    /// <inheritdoc />
    public override string ToString() => _text.ToString();

    private static string Format(object? cell) => cell switch
    {
        null => "",
        double d => Numbers.Format(d),
        float f => float.IsFinite(f) ? f.ToString("R", CultureInfo.InvariantCulture) : Numbers.Format(f),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s when s.Contains(',') || s.Contains('"') => "\"" + s.Replace("\"", "\"\"") + "\"",
        _ => cell.ToString() ?? "",
    };
}
