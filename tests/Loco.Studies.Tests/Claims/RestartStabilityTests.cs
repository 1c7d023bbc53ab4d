using System.Globalization;
using Loco.Studies.Claims;

namespace Loco.Studies.Tests.Claims;

public sealed class RestartStabilityTests
{
    // At full size the strict claim FAILS in our model (ties at H = 32 and 128: see the README and report), so this test does
    // not assert Passed. It checks what holds at both sizes: restart never shrinks the stable area (theory), and the Monte
    // Carlo simulation classifies most simulated cells as the theory does.
    [Fact]
    public void QuickRunWritesHeatmapsAndRestartNeverShrinksTheStableArea()
    {
        using var folder = new TempFolder();
        ClaimResult result = ClaimAssert.RunQuick(new RestartStabilityClaim(), folder.Path);
        Assert.Equal(4, result.Figures.Count); // per form: the K = 3 maps and the four rules' maps

        string[] lines = File.ReadAllLines(Path.Combine(folder.Path, "stability-areas.csv"));
        string[] header = lines[0].Split(',');
        int source = Array.IndexOf(header, "source");
        int without = Array.IndexOf(header, "stable_no_restart");
        int with = Array.IndexOf(header, "stable_restart");
        int theoryRows = 0;
        foreach (string[] row in lines.Skip(1).Select(l => l.Split(',')).Where(r => r[source] == "theory"))
        {
            theoryRows++;
            Assert.True(int.Parse(row[with], CultureInfo.InvariantCulture) >= int.Parse(row[without], CultureInfo.InvariantCulture), string.Join(',', row));
        }

        Assert.Equal(6, theoryRows);

        // The noiseless per-mode rows against the closed form: Nesterov (PyTorch form, lr a) is stable for every mode iff
        // a μ_max < 2(1 + β)/(1 + 2β) (Jury's conditions on z² − (1 + β − aμ(1 + β))z + β(1 − aμ); monotone in μ), with
        // a = ν(1 − β) in the EMA form and μ_max = 1 − (1 − η λ_max)^H, λ_max = 1.
        int form = Array.IndexOf(header, "outer_form");
        int steps = Array.IndexOf(header, "inner_steps");
        int noiselessRows = 0;
        foreach (string[] row in lines.Skip(1).Select(l => l.Split(',')).Where(r => r[source] == "noiseless per-mode"))
        {
            noiselessRows++;
            double muMax = 1 - Math.Pow(1 - RestartStabilityClaim.InnerLr, int.Parse(row[steps], CultureInfo.InvariantCulture));
            int expected = 0;
            foreach (double lr in RestartStabilityClaim.OuterLrs)
            {
                foreach (double beta in RestartStabilityClaim.Momenta)
                {
                    double a = row[form] == "ema" ? lr * (1 - beta) : lr;
                    expected += a * muMax < 2 * (1 + beta) / (1 + 2 * beta) ? 1 : 0;
                }
            }

            Assert.Equal(expected, int.Parse(row[without], CultureInfo.InvariantCulture));
        }

        Assert.Equal(6, noiselessRows);

        // Cell by cell, the simulation (Monte Carlo, independent of the recursion) agrees with the theory on most cells.
        string[] cells = File.ReadAllLines(Path.Combine(folder.Path, "stability-cells.csv"));
        string[] h = cells[0].Split(',');
        var rows = cells.Skip(1).Select(l => l.Split(',')).ToList();
        string Key(string[] r) => string.Join('|', r[0], r[1], r[2], r[4], r[5]);
        var theory = rows.Where(r => r[Array.IndexOf(h, "source")] == "theory").ToDictionary(Key, r => r[Array.IndexOf(h, "stable")]);
        var sim = rows.Where(r => r[Array.IndexOf(h, "source")] == "simulation").ToList();
        Assert.NotEmpty(sim);
        int agree = sim.Count(r => theory[Key(r)] == r[Array.IndexOf(h, "stable")]);
        Assert.True(agree >= 0.7 * sim.Count, $"simulation agrees with theory on {agree}/{sim.Count} cells");

        // The rules' maps: every cell under each of the four rules, and the fixed rules' cells are the simulator's own
        // (the same problem, seed and runs as the K = 0 and K = 3 simulation rows above, which come from another code path).
        string[] ruleLines = File.ReadAllLines(Path.Combine(folder.Path, "stability-rules.csv"));
        string[] rh = ruleLines[0].Split(',');
        var ruleRows = ruleLines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(2 * 4 * 30, ruleRows.Count); // quick: H = 8 only, two forms
        Assert.Equal(["never", "every:3", "adaptive:dot", "adaptive:loss"], ruleRows.Select(r => r[Array.IndexOf(rh, "restart")]).Distinct());
        string RuleKey(string[] r, string k) => string.Join('|', r[0], r[1], k, r[Array.IndexOf(rh, "outer_lr")], r[Array.IndexOf(rh, "outer_momentum")]);
        var simRisk = sim.ToDictionary(Key, r => r[Array.IndexOf(h, "final_risk")]);
        int matched = 0;
        foreach (string[] r in ruleRows)
        {
            string rule = r[Array.IndexOf(rh, "restart")];
            string? k = rule == "never" ? "0" : rule == "every:3" ? "3" : null;
            if (k is not null && simRisk.TryGetValue(RuleKey(r, k), out string? risk))
            {
                Assert.Equal(risk, r[Array.IndexOf(rh, "final_risk")]);
                matched++;
            }
        }

        Assert.Equal(sim.Count, matched);
    }

    [Theory]
    [InlineData(null, 0.5, 1.0, true)]
    [InlineData(null, 1.0, 1.0, false)] // not below the initial risk
    [InlineData(12, 0.5, 1.0, false)] // diverged
    [InlineData(null, double.NaN, 1.0, false)]
    public void StabilityCriterionIsAsWritten(int? divergedAt, double finalRisk, double initialRisk, bool expected) =>
        Assert.Equal(expected, RestartStabilityClaim.IsStable(divergedAt, finalRisk, initialRisk));
}
