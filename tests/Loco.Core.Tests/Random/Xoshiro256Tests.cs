using Loco.Core.Random;

namespace Loco.Core.Tests.Random;

/// <summary>The public single generator: its sequence, its saved state, and its agreement with the simulator's lanes.</summary>
public class Xoshiro256Tests
{
    [Fact]
    public void FirstOutputsMatchAnIndependentReference()
    {
        // From a separate Python implementation of SplitMix64 seeding (seed ^ 0x6A09E667F3BCC908, mixed, ^ stream, mixed)
        // and the published xoshiro256** step: the values the generator drew before it moved from Loco.Torch to Loco.Core.
        var a = new Xoshiro256(1);
        Assert.Equal(new[] { 0x1790ba9f500d9cb9UL, 0xa0e509803d9cb470UL, 0xe28addfa42d30424UL }, new[] { a.NextUInt64(), a.NextUInt64(), a.NextUInt64() });
        var b = new Xoshiro256(5, stream: 1);
        Assert.Equal(new[] { 0x1a810f2eda553b7dUL, 0xc909ded42c066237UL, 0xe04f2dbdfb8910f7UL }, new[] { b.NextUInt64(), b.NextUInt64(), b.NextUInt64() });
    }

    [Fact]
    public void RestoredStateContinuesTheSequence()
    {
        var g = new Xoshiro256(42, 7);
        for (int i = 0; i < 10; i++) g.NextUInt64();
        RngState saved = g.State;
        ulong[] expected = [g.NextUInt64(), g.NextUInt64(), g.NextUInt64()];
        var restored = new Xoshiro256(saved);
        Assert.Equal(expected, new[] { restored.NextUInt64(), restored.NextUInt64(), restored.NextUInt64() });
        Assert.NotEqual(expected[0], new Xoshiro256(42, 7).NextUInt64()); // restoring is not restarting
        Assert.Throws<ArgumentException>(() => new Xoshiro256(new RngState(0, 0, 0, 0)));
    }

    [Fact]
    public void DrawsLaneZeroOfTheSimulatorsLanes()
    {
        Span<ulong> lanes = stackalloc ulong[Xoshiro256Lanes.StateLength];
        Xoshiro256Lanes.Seed(lanes, 20240601, 3);
        var single = new Xoshiro256(20240601, 3);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(Xoshiro256Lanes.Next(lanes, 0), single.NextUInt64());
        }
    }
}
