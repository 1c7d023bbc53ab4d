using Loco.Reports.Figures;
using Loco.Simulation;
using Loco.Theory.Dynamics;

namespace Loco.Studies.Claims;

/// <summary>Helpers shared by the Agarwala claims: theory curves against samples, and Monte Carlo points on a log grid of rounds.</summary>
internal static class ClaimPlots
{
    /// <summary>Samples consumed after each round k = 0..completed (k = 0 is left out of log-axis plots).</summary>
    public static double[] Samples(TheoryResult theory) => [.. Enumerable.Range(0, theory.Risk.Length).Select(k => (double)k * theory.SamplesPerRound)];

    /// <summary>About <paramref name="count"/> rounds spread evenly in log between 1 and <paramref name="last"/>, always including <paramref name="last"/>.</summary>
    public static int[] LogRounds(int last, int count)
    {
        if (last < 1)
        {
            return [];
        }

        return [.. Enumerable.Range(0, count).Select(i => (int)Math.Round(Math.Pow(last, (double)i / (count - 1)))).Append(last).Distinct().Where(k => k >= 1 && k <= last)];
    }

    /// <summary>Rounds written to CSV: 0, then about 400 log-spaced rounds up to <paramref name="last"/> (every round when fewer).</summary>
    public static IEnumerable<int> CsvRounds(int last) => last <= 400 ? Enumerable.Range(0, last + 1) : LogRounds(last, 400).Prepend(0).Distinct();

    /// <summary>Adds the theory's excess risk (solid), signal (dashed) and noise (dotted) against samples; no legend entries when <paramref name="name"/> is null.</summary>
    public static void AddTheory(CurveFigure figure, string? name, TheoryResult theory, int color, bool parts = true)
    {
        double[] x = Samples(theory);
        figure.Line(name is null ? null : $"{name} theory", x[1..], [.. Enumerable.Range(1, theory.RoundsCompleted).Select(theory.ExcessRisk)], color);
        if (parts)
        {
            figure.Line(name is null ? null : $"{name} signal", x[1..], theory.Signal[1..], color, LineStyle.Dashed, 1.2f);
            figure.Line(name is null ? null : $"{name} noise", x[1..], theory.Noise[1..], color, LineStyle.Dotted, 1.5f);
        }
    }

    /// <summary>Adds Monte Carlo excess risk with one-standard-error bars at log-spaced rounds.</summary>
    public static void AddSimulation(CurveFigure figure, string? name, SimulationResult simulation, int color, int points = 10)
    {
        int[] rounds = LogRounds(simulation.RoundsCompleted, points);
        figure.Points(name is null ? null : $"{name} Monte Carlo ({simulation.Runs} runs, ± 1 s.e.)",
            [.. rounds.Select(k => (double)k * simulation.SamplesPerRound)],
            [.. rounds.Select(simulation.ExcessRisk)], color,
            [.. rounds.Select(k => simulation.RiskStdErr[k])]);
    }
}
