using System.Collections.Concurrent;
using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Studies.Sweep;
using Loco.Torch.Data;

namespace Loco.Studies.Tests;

/// <summary>
/// The stability sweep: resume (only missing cells are trained, and the result equals a fresh run's), results
/// independent of the cells running beside them, and the stable / unstable / diverged classification on cells built to
/// be each.
/// </summary>
public sealed class StabilitySweepTests
{
    private static readonly TokenCorpus Corpus = CorpusLoader.Generated(new MarkovSource(MarkovSourceOptions.Default), 20_000, 0.05);

    /// <summary>Four small cells: H = 2, K ∈ {0, 2}, ν ∈ {0.5, 0.9}, β = 0.5 (EMA form); 3 rounds of B = 2, T = 8.</summary>
    private static SweepOptions Small => new()
    {
        OuterForm = OuterForm.Ema,
        InnerStepsList = [2],
        RestartPeriod = 2,
        OuterLrs = [0.5, 0.9],
        Momenta = [0.5],
        Rounds = 3,
        BatchSize = 2,
        Context = 8,
        ValidationWindows = 16,
    };

    /// <summary>cells.csv without its last column (seconds, which differs run to run).</summary>
    private static string[] WithoutSeconds(string folder) =>
        [.. File.ReadAllLines(Path.Combine(folder, SweepFolder.CellsFile)).Select(l => l[..l.LastIndexOf(',')])];

    /// <summary>A sweep that records the key of every cell it trains.</summary>
    private static StabilitySweep Counting(SweepOptions options, ConcurrentBag<string> trained) => new(Corpus, options)
    {
        Train = (cell, token) =>
        {
            trained.Add(cell.Key);
            return SweepCellRunner.Run(Corpus, options, cell, token);
        },
    };

    [Fact]
    public void ResumeTrainsOnlyTheMissingCellsAndEndsWithAFreshRunsTable()
    {
        using var temp = new TempFolder();
        SweepOptions options = Small;
        string fresh = temp.File("fresh");
        var first = new ConcurrentBag<string>();
        SweepResult all = Counting(options, first).Run(SweepFolder.Open(fresh, options, Corpus.Name), parallel: 1);
        Assert.Equal(4, first.Count);
        Assert.Equal(4, all.Trained);

        // A copy of the finished folder loses one whole row and has another cut in the middle, as a kill mid-write leaves it.
        string resumed = temp.File("resumed");
        Directory.CreateDirectory(resumed);
        File.Copy(Path.Combine(fresh, SweepFolder.SettingsFile), Path.Combine(resumed, SweepFolder.SettingsFile));
        string[] lines = File.ReadAllLines(Path.Combine(fresh, SweepFolder.CellsFile));
        Assert.Equal(5, lines.Length);
        string removed = lines[2], cut = lines[4];
        File.WriteAllText(Path.Combine(resumed, SweepFolder.CellsFile), string.Join('\n', lines[0], lines[1], lines[3], cut[..(cut.Length / 2)]));

        var second = new ConcurrentBag<string>();
        SweepFolder folder = SweepFolder.Open(resumed, options, Corpus.Name);
        Assert.Equal(2, folder.Finished.Count);
        SweepResult again = Counting(options, second).Run(folder, parallel: 1);
        Assert.Equal(2, second.Count);
        Assert.Equal(2, again.Trained);
        Assert.Equal(2, again.Resumed);
        string[] expectedKeys = [.. new[] { removed, cut }.Select(KeyOf).Order()];
        Assert.Equal(expectedKeys, second.Order());
        Assert.Equal(WithoutSeconds(fresh), WithoutSeconds(resumed));

        // A third run on the finished folder trains nothing.
        var third = new ConcurrentBag<string>();
        Counting(options, third).Run(SweepFolder.Open(resumed, options, Corpus.Name), parallel: 1);
        Assert.Empty(third);
        Assert.Equal(WithoutSeconds(fresh), WithoutSeconds(resumed));
    }

    private static string KeyOf(string row)
    {
        string[] f = row.Split(',');
        return SweepCell.Describe(int.Parse(f[0]), f[1], double.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(f[5], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ParallelRunsEachCellOnceAtMostNAtATimeAndOrdersTheResultsByGrid()
    {
        SweepOptions options = Small with { OuterLrs = [0.1, 0.3, 0.5], Momenta = [0.1, 0.9] }; // 12 cells
        int running = 0, most = 0;
        var trained = new ConcurrentBag<string>();
        var sweep = new StabilitySweep(Corpus, options)
        {
            // A stand-in trainer whose result is a known function of the cell.
            Train = (cell, _) =>
            {
                int now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                Thread.Sleep(30);
                trained.Add(cell.Key);
                Interlocked.Decrement(ref running);
                return new SweepCellResult(cell, 5, cell.OuterLr + cell.OuterMomentum, 0, options.Rounds, cell.OuterLr < 0.4, null, 0);
            },
        };

        SweepResult result = sweep.Run(folder: null, parallel: 3);
        Assert.Equal(3, most);
        Assert.Equal(options.Cells().Select(c => c.Key).Order(), trained.Order());
        Assert.Equal(options.Cells(), result.Cells.Select(c => c.Cell));
        Assert.All(result.Cells, c => Assert.Equal(c.Cell.OuterLr + c.Cell.OuterMomentum, c.FinalValidationLoss));
        Assert.Equal([new StableArea(2, "0", 4, 0, 6), new StableArea(2, "2", 4, 0, 6)], result.StableAreas());

        // Trainings in this process are one at a time (TorchSharp is not safe to train on two threads at once).
        Assert.Throws<ArgumentException>(() => new StabilitySweep(Corpus, options).Run(folder: null, parallel: 2));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    [Fact]
    public void ClassifiesABenignCellStableAnExplodingOneUnstableAndAFrozenOneUnstable()
    {
        SweepOptions options = Small with { RestartPeriod = 0, OuterLrs = [0.9, 100, 1e30], Momenta = [0.5], Rounds = 4, InnerStepsList = [4], BatchSize = 4, Context = 16 };
        SweepResult result = new StabilitySweep(Corpus, options).Run(folder: null, parallel: 1);
        SweepCellResult benign = result.Cells[0], exploding = result.Cells[1], diverging = result.Cells[2];

        // Benign: the loss falls well below the margin (the byte-level model starts at ln 256 ≈ 5.5 nats and learns the letters' frequencies).
        Assert.Equal(Math.Log(256), benign.InitialValidationLoss, 0.3);
        Assert.True(benign.FinalValidationLoss < 0.9 * benign.InitialValidationLoss, $"{benign}");
        Assert.True(benign.Stable);
        Assert.Null(benign.DivergedRound);

        // An outer step 100× the pseudo-gradient overshoots: finite but above the initial loss, unstable, not diverged.
        Assert.True(double.IsFinite(exploding.FinalValidationLoss) && exploding.FinalValidationLoss > exploding.InitialValidationLoss, $"{exploding}");
        Assert.False(exploding.Stable);
        Assert.Null(exploding.DivergedRound);

        // 10³⁰× makes the weights overflow fp32 and the loss non-finite whatever the CPU (10⁴× stayed finite on an Intel Xeon):
        // diverged (with its round), unstable, recorded rather than thrown.
        Assert.False(diverging.Stable);
        Assert.NotNull(diverging.DivergedRound);
        Assert.InRange(diverging.DivergedRound!.Value, 1, options.Rounds);
        Assert.True(double.IsNaN(diverging.FinalValidationLoss));

        // A cell whose inner steps barely move the weights stays at its initial loss and fails the margin.
        SweepOptions frozen = options with { InnerLr = 1e-9, OuterLrs = [0.9] };
        SweepCellResult still = SweepCellRunner.Run(Corpus, frozen, frozen.Cells()[0]);
        Assert.Equal(still.InitialValidationLoss, still.FinalValidationLoss, 1e-3);
        Assert.False(still.Stable);
        Assert.Null(still.DivergedRound);
    }

    [Fact]
    public void CriterionComparesTheFinalLossWithTheMarginBelowTheInitialOne()
    {
        var criterion = new StabilityCriterion(0.25);
        Assert.Equal(3.0, criterion.Threshold(4.0));
        Assert.True(criterion.IsStable(4.0, 3.0, diverged: false));
        Assert.False(criterion.IsStable(4.0, 3.01, diverged: false));
        Assert.False(criterion.IsStable(4.0, 1.0, diverged: true));
        Assert.False(criterion.IsStable(4.0, double.NaN, diverged: false));
        Assert.False(criterion.IsStable(4.0, double.NegativeInfinity, diverged: false));
        Assert.Equal("--margin", Assert.Throws<InvalidInputException>(() => new StabilityCriterion(1.0)).Subject);
        Assert.Equal("--margin", Assert.Throws<InvalidInputException>(() => new StabilityCriterion(-0.1)).Subject);
    }

    [Fact]
    public void AFolderWithOtherSettingsIsRefusedNamingOutWithoutTouchingIt()
    {
        using var temp = new TempFolder();
        string folder = temp.File("sweep");
        SweepFolder.Open(folder, Small, Corpus.Name).Begin();
        string settings = File.ReadAllText(Path.Combine(folder, SweepFolder.SettingsFile));

        var ex = Assert.Throws<InvalidInputException>(() => SweepFolder.Open(folder, Small with { Rounds = 4 }, Corpus.Name));
        Assert.Equal("--out", ex.Subject);
        Assert.Contains("rounds", ex.Problem);
        Assert.Equal(settings, File.ReadAllText(Path.Combine(folder, SweepFolder.SettingsFile)));
        Assert.Equal("--out", Assert.Throws<InvalidInputException>(() => SweepFolder.Open(folder, Small, "another corpus")).Subject);

        // The same settings open it (nothing finished yet).
        Assert.Empty(SweepFolder.Open(folder, Small, Corpus.Name).Finished);
    }
}
