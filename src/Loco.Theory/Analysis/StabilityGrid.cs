using Loco.Core.Optimizers;

namespace Loco.Theory.Analysis;

/// <summary>One (outer learning rate, momentum) cell of a stability grid.</summary>
/// <param name="LearningRate">α (PyTorch form) or ν (EMA form).</param>
/// <param name="Momentum">β.</param>
/// <param name="Rates">The worst-mode rates over the spectrum.</param>
public readonly record struct StabilityCell(double LearningRate, double Momentum, SpectrumRates Rates);

/// <summary>
/// Stability of an effective spectrum over a grid of outer learning rates × momenta for one outer kind and form:
/// a cell is stable when every mode has ρ(T(μ)) &lt; 1, and stable with restarts when every mode has |c_K(μ)| &lt; 1.
/// </summary>
public static class StabilityGrid
{
    /// <summary>Cells indexed [learning-rate index, momentum index]; <paramref name="cellDone"/> is called after each (for progress). For the plain step the momenta must all be 0.</summary>
    public static StabilityCell[,] Evaluate(
        ReadOnlySpan<double> mu, OuterKind kind, OuterForm form, IReadOnlyList<double> learningRates, IReadOnlyList<double> momenta, int restartPeriod, Action? cellDone = null)
    {
        ArgumentNullException.ThrowIfNull(learningRates);
        ArgumentNullException.ThrowIfNull(momenta);
        var cells = new StabilityCell[learningRates.Count, momenta.Count];
        for (int i = 0; i < learningRates.Count; i++)
        {
            for (int j = 0; j < momenta.Count; j++)
            {
                OuterOptimizer outer = Outer.Create(kind, form, learningRates[i], momenta[j]);
                cells[i, j] = new StabilityCell(learningRates[i], momenta[j], SpectrumRates.Of(outer, mu, restartPeriod));
                cellDone?.Invoke();
            }
        }

        return cells;
    }

    /// <summary>How many cells are stable without and with restarts, and how many are stable only one way.</summary>
    public static (int Stable, int StableWithRestart, int OnlyWithRestart, int OnlyWithout) Count(StabilityCell[,] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        int stable = 0, withRestart = 0, onlyWith = 0, onlyWithout = 0;
        foreach (StabilityCell c in cells)
        {
            bool a = c.Rates.Stable;
            bool b = c.Rates.StableWithRestart;
            stable += a ? 1 : 0;
            withRestart += b ? 1 : 0;
            onlyWith += b && !a ? 1 : 0;
            onlyWithout += a && !b ? 1 : 0;
        }

        return (stable, withRestart, onlyWith, onlyWithout);
    }
}
