using System.Globalization;
using System.Text.Json;

namespace Loco.Reports.Tables;

/// <summary>
/// The one way numbers are written into CSV cells and JSON fields: round-trip, invariant culture; a missing value
/// (NaN) is an empty cell or JSON null, ±∞ is <c>inf</c>/<c>-inf</c> in CSV and null in JSON (which has no infinity).
/// </summary>
public static class Numbers
{
    /// <summary>A CSV cell: round-trip digits, "" for NaN, "inf" / "-inf" for ±∞.</summary>
    public static string Format(double value) =>
        double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture)
        : double.IsNaN(value) ? ""
        : value > 0 ? "inf" : "-inf";

    /// <summary>Writes <paramref name="value"/> as a JSON number, or null when it is not finite.</summary>
    public static void WriteNumberOrNull(this Utf8JsonWriter writer, string name, double value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>Writes <paramref name="value"/> as a JSON number, or null when absent.</summary>
    public static void WriteNumberOrNull(this Utf8JsonWriter writer, string name, long? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is long v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
