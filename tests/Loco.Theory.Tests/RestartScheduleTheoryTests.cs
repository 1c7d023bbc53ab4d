using Loco.Core.Family;
using Loco.Core.Optimizers;
using Loco.Core.Problems;
using Loco.Theory.Dynamics;
using Loco.Theory.Spectra;

namespace Loco.Theory.Tests;

/// <summary>The recursion asks the configuration's restart schedule instead of computing round mod K itself.</summary>
public sealed class RestartScheduleTheoryTests
{
    private static readonly LinearRegressionProblem Problem = LinearRegressionProblem.PowerLaw(40, 1.3, 0.9, 0.2, targetSeed: 5);

    /// <summary>Restarts after the listed rounds only (a counter rule the recursion cannot know in advance).</summary>
    private sealed record AtRounds(params long[] Rounds) : RestartSchedule
    {
        public override bool ShouldRestart(in RestartContext context) => Rounds.Contains(context.CompletedRounds);

        public override string Spec => $"at:{string.Join(',', Rounds)}";
    }

    private static double[] Risk(RestartSchedule schedule, TheoryKernel kernel)
    {
        FamilyConfig config = new FamilySettings { Preset = Preset.Sla, InnerSteps = 4, BatchSize = 4, OuterLr = 0.6, OuterMomentum = 0.8 }.Resolve()
            with { Restart = schedule };
        return new RiskRecursion(AtomSpectrum.FromProblem(Problem), config, Problem.Noise)
            .Run(new TheoryOptions { Rounds = 12, Kernel = kernel }).Risk;
    }

    [Theory]
    [InlineData(TheoryKernel.OnePass)]
    [InlineData(TheoryKernel.Stepwise)]
    public void AnyCounterScheduleIsFollowed(TheoryKernel kernel)
    {
        // A rule listing the multiples of 3 is the periodic rule, bit for bit; an irregular rule departs from both
        // exactly at its first restart that differs.
        double[] periodic = Risk(RestartSchedule.Every(3), kernel);
        Assert.Equal(periodic, Risk(new AtRounds(3, 6, 9, 12), kernel));
        double[] irregular = Risk(new AtRounds(3, 5), kernel);
        double[] never = Risk(RestartSchedule.Never, kernel);
        Assert.Equal(periodic[..5], irregular[..5]);   // risk[k] is after round k: identical through round 4
        Assert.NotEqual(periodic[6], irregular[6]);
        Assert.Equal(never[..4], irregular[..4]);
        Assert.NotEqual(never[4], irregular[4]);
    }
}
