using System.Globalization;
using System.Text;

namespace Loco.Reports.Reproduce;

/// <summary>A CSV table built row by row (invariant culture, round-trip doubles) and written atomically.</summary>
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
        _text.AppendLine(string.Join(',', columns));
    }

    /// <summary>Rows added so far.</summary>
    public int Rows { get; private set; }

    /// <summary>Adds a row; numbers are written round-trip, strings as they are (quoted if they hold a comma or quote).</summary>
    public CsvTable Add(params object?[] cells)
    {
        if (cells.Length != _columns)
        {
            throw new ArgumentException($"{cells.Length} cells for {_columns} columns.", nameof(cells));
        }

        _text.AppendLine(string.Join(',', cells.Select(Format)));
        Rows++;
        return this;
    }

    /// <summary>Writes the table to <paramref name="path"/> (via a temporary file, then a rename) and returns the path.</summary>
    public string Save(string path)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, _text.ToString());
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <inheritdoc />
    public override string ToString() => _text.ToString();

    private static string Format(object? cell) => cell switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s when s.Contains(',') || s.Contains('"') => "\"" + s.Replace("\"", "\"\"") + "\"",
        _ => cell.ToString() ?? "",
    };
}
