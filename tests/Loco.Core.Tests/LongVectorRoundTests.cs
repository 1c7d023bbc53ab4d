using Loco.Core.Optimizers;
using Loco.Core.Rounds;

namespace Loco.Core.Tests;

/// <summary>The round on vectors long enough to be split across cores (Chunks) against the equations, element by element.</summary>
public class LongVectorRoundTests
{
    /// <summary>A worker whose fast weights after the round are fixed numbers: f = s + shift (its steps do nothing).</summary>
    private sealed class ShiftWorker(float[] shift) : IWorker<float>
    {
        private readonly float[] _weights = new float[shift.Length];

        public int Dimension => shift.Length;

        public void BeginRound(ReadOnlySpan<float> global)
        {
            for (int i = 0; i < _weights.Length; i++)
            {
                _weights[i] = global[i] + shift[i];
            }
        }

        public void InnerStep()
        {
        }

        public void CopyWeights(Span<float> destination) => _weights.CopyTo(destination);
    }

    [Theory]
    [InlineData(OuterKind.Nesterov, OuterForm.PyTorch)]
    [InlineData(OuterKind.HeavyBall, OuterForm.Ema)]
    [InlineData(OuterKind.Nesterov, OuterForm.Ema)]
    public void SplitRoundEqualsTheEquationsAndOneUnsplitStep(OuterKind kind, OuterForm form)
    {
        int n = Chunks.ParallelThreshold * 2 + 12_345; // split into many slices, with a ragged end
        var random = new System.Random(7);
        float[] Noise() => [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5))];
        float[] shift0 = Noise(), shift1 = Noise(), start = Noise();
        OuterOptimizer outer = Outer.Create(kind, form, 0.7, 0.9, RestartSchedule.Every(3));
        var round = new TwoPhaseRound<float>([new ShiftWorker(shift0), new ShiftWorker(shift1)], outer, innerSteps: 2);
        float[] global = (float[])start.Clone();
        OuterState<float> state = outer.Init<float>(n);

        // The same rounds, unsplit: Δ formed by hand in float (as the round forms it), then one OuterOptimizer.Step.
        float[] expected = (float[])start.Clone();
        OuterState<float> expectedState = outer.Init<float>(n);
        float[] delta = new float[n];
        for (int r = 0; r < 4; r++)
        {
            round.Run(global, state);
            for (int i = 0; i < n; i++)
            {
                float f0 = expected[i] + shift0[i], f1 = expected[i] + shift1[i];
                delta[i] = ((expected[i] - f0) + (expected[i] - f1)) / 2f;
            }

            outer.Step(expected, delta, expectedState);
        }

        Assert.Equal(expectedState.CompletedRounds, state.CompletedRounds);
        Assert.Equal(expectedState.Restarts, state.Restarts);
        Assert.Equal(expected, global);
        Assert.Equal(expectedState.Momentum, state.Momentum);
        Assert.True(state.Restarts == 1, "K = 3 restarts once in four rounds");
    }

    [Fact]
    public void ChunksCoverEveryIndexOnce()
    {
        int n = Chunks.ParallelThreshold + 777;
        int[] hits = new int[n];
        Chunks.For(n, (start, length) =>
        {
            for (int i = start; i < start + length; i++)
            {
                Interlocked.Increment(ref hits[i]);
            }
        });
        Assert.All(hits, h => Assert.Equal(1, h));
    }
}
