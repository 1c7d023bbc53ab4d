using System.Globalization;

namespace Loco.Studies.Sweep;

/// <summary>
/// One cell of a stability sweep: H, the restart period K (0 = never), and the outer (learning rate, momentum) at
/// grid position (<paramref name="Row"/>, <paramref name="Column"/>) — rows are outer learning rates, columns momenta.
/// </summary>
/// <param name="InnerSteps">H, inner steps per round.</param>
/// <param name="RestartPeriod">K, the outer-momentum restart period in rounds; 0 = never.</param>
/// <param name="OuterLr">α (PyTorch form) or ν (EMA form).</param>
/// <param name="OuterMomentum">β.</param>
/// <param name="Row">Index of <paramref name="OuterLr"/> in the grid's learning rates.</param>
/// <param name="Column">Index of <paramref name="OuterMomentum"/> in the grid's momenta.</param>
public readonly record struct SweepCell(int InnerSteps, int RestartPeriod, double OuterLr, double OuterMomentum, int Row, int Column)
{
    /// <summary>Identifies the cell within a sweep (the settings of the sweep fix the rest).</summary>
    public string Key => Describe(InnerSteps, RestartPeriod, OuterLr, OuterMomentum);

    /// <summary>The key of the cell with these values.</summary>
    public static string Describe(int innerSteps, int restartPeriod, double outerLr, double outerMomentum) =>
        string.Create(CultureInfo.InvariantCulture, $"H={innerSteps} K={restartPeriod} lr={outerLr:R} beta={outerMomentum:R}");

    /// <inheritdoc />
    public override string ToString() => Key;
}
