using System.Text.Encodings.Web;
using System.Text.Json;

namespace Loco.Reports.Tables;

/// <summary>
/// How Loco writes JSON: indented, and with Greek letters and other non-ASCII text as themselves (α, λ, σ), not as
/// \u escapes. The documents are files and terminal output, never embedded in HTML or script, so the relaxed
/// encoder is safe here.
/// </summary>
public static class JsonText
{
    /// <summary>Options for a <see cref="Utf8JsonWriter"/>.</summary>
    public static JsonWriterOptions Options { get; } = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Options for <see cref="JsonSerializer"/>.</summary>
    public static JsonSerializerOptions Serializer { get; } = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
