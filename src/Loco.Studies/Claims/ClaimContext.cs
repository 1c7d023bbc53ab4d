namespace Loco.Studies.Claims;

/// <summary>Where, on what problem and at what size a claim runs.</summary>
/// <param name="OutputFolder">The claim's own folder (created by the caller); PNG and CSV files go here.</param>
/// <param name="Quick">Reduced size, as the tests use.</param>
/// <param name="Progress">Short progress lines, or null.</param>
/// <param name="Cancellation">Cancels the run.</param>
public sealed record ClaimContext(string OutputFolder, bool Quick, IProgress<string>? Progress, CancellationToken Cancellation)
{
    /// <summary>The problem (default: the one the first edition explored).</summary>
    public ClaimProblem Problem { get; init; } = ClaimProblem.Explored;

    /// <summary>The path of <paramref name="fileName"/> in the output folder.</summary>
    public string PathOf(string fileName) => Path.Combine(OutputFolder, fileName);

    /// <summary>Reports a progress line, if anyone listens.</summary>
    public void Report(string message) => Progress?.Report(message);
}
