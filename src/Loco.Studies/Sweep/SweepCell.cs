using System.Globalization;
using Loco.Core.Optimizers;

namespace Loco.Studies.Sweep;

/// <summary>
/// One cell of a stability sweep: H, the restart rule (never, every K rounds, or an adaptive rule), and the outer
/// (learning rate, momentum) at grid position (<paramref name="Row"/>, <paramref name="Column"/>) — rows are outer
/// learning rates, columns momenta.
/// </summary>
/// <param name="InnerSteps">H, inner steps per round.</param>
/// <param name="Restart">When the outer momentum is reset.</param>
/// <param name="OuterLr">α (PyTorch form) or ν (EMA form).</param>
/// <param name="OuterMomentum">β.</param>
/// <param name="Row">Index of <paramref name="OuterLr"/> in the grid's learning rates.</param>
/// <param name="Column">Index of <paramref name="OuterMomentum"/> in the grid's momenta.</param>
public readonly record struct SweepCell(int InnerSteps, RestartSchedule Restart, double OuterLr, double OuterMomentum, int Row, int Column)
{
    /// <summary>The restart rule as cells.csv's <c>restart_period</c> column writes it (see <see cref="Label"/>).</summary>
    public string RestartLabel => Label(Restart);

    /// <summary>Identifies the cell within a sweep (the settings of the sweep fix the rest).</summary>
    public string Key => Describe(InnerSteps, RestartLabel, OuterLr, OuterMomentum);

    /// <summary>
    /// A restart rule as the sweep's files write it: <c>0</c> for never, K for every K rounds (so the files of sweeps
    /// made before adaptive rules read the same), else the rule's spec (<c>adaptive:dot</c>, <c>adaptive:loss</c>).
    /// </summary>
    public static string Label(RestartSchedule restart) => restart switch
    {
        NeverRestart => "0",
        PeriodicRestart p => p.Rounds.ToString(CultureInfo.InvariantCulture),
        OpposedRestart { Threshold: 0 } => "adaptive:dot",
        _ => restart.Spec,
    };

    /// <summary>The key of the cell with these values.</summary>
    public static string Describe(int innerSteps, string restartLabel, double outerLr, double outerMomentum) =>
        string.Create(CultureInfo.InvariantCulture, $"H={innerSteps} K={restartLabel} lr={outerLr:R} beta={outerMomentum:R}");

    /// <inheritdoc />
    public override string ToString() => Key;
}
