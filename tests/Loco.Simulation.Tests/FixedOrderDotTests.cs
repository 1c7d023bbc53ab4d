using System.Numerics.Tensors;
using Loco.Core.Numerics;
using Loco.Core.Random;

namespace Loco.Simulation.Tests;

/// <summary>The simulator's dot product gives the same bits on every vector width, in the order it documents.</summary>
public class FixedOrderDotTests
{
    private static readonly LaneWidth[] Widths = [LaneWidth.W512, LaneWidth.W256, LaneWidth.W128, LaneWidth.Scalar, LaneWidth.Auto];

    // The definition written out plainly: sixteen lane sums in increasing i, then the tree.
    private static double Reference(double[] x, double[] y)
    {
        var lane = new double[16];
        for (int i = 0; i < x.Length; i++)
        {
            double p = x[i] * y[i];
            lane[i % 16] += p;
        }

        var a = new double[8];
        for (int j = 0; j < 8; j++)
        {
            a[j] = lane[j] + lane[j + 8];
        }

        double b0 = a[0] + a[4], b1 = a[1] + a[5], b2 = a[2] + a[6], b3 = a[3] + a[7];
        return (b0 + b2) + (b1 + b3);
    }

    [Fact]
    public void EveryWidthGivesTheBitsOfTheWrittenOutOrder()
    {
        var rng = new GaussianStream(7, 1);
        int mismatchesWithTensorPrimitives = 0;
        foreach (int n in Enumerable.Range(0, 70).Concat([127, 1000, 1003, 10_000]))
        {
            var x = new double[n];
            var y = new double[n];
            rng.Fill(x);
            rng.Fill(y);
            for (int i = 0; i < n; i++)
            {
                x[i] *= Math.Pow(10, (i % 7) - 3); // a spread of magnitudes so that the order of additions shows in the bits
            }

            double expected = Reference(x, y);
            foreach (LaneWidth width in Widths)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(FixedOrder.Dot(width, x, y)));
            }

            Assert.Equal(expected, FixedOrder.Dot(x, y));
            if (TensorPrimitives.Dot<double>(x, y) != expected)
            {
                mismatchesWithTensorPrimitives++;
            }
        }

        // The reference sums in a different order from a plain loop, so the test can tell orders apart.
        Assert.True(mismatchesWithTensorPrimitives > 0, "no length separated the fixed order from TensorPrimitives.Dot");
        Assert.Throws<ArgumentException>(() => FixedOrder.Dot(new double[3], new double[4]));
    }

    [Fact]
    public void WeightedRowsAreAddedRowByRowOnEveryWidth()
    {
        // The definition: destination_j += (double)row_b[j] · weight_b, product rounded, rows in increasing b; lengths on
        // either side of every block of columns the vector paths take at once (up to 4 × 8).
        var rng = new GaussianStream(11, 2);
        foreach (int d in Enumerable.Range(0, 70).Concat([127, 1000, 1003]))
        {
            foreach (int rows in new[] { 1, 2, 3, 5, 8 })
            {
                var z = new float[rows * d];
                var weights = new double[rows];
                var start = new double[d];
                rng.Fill(z);
                rng.Fill(weights);
                rng.Fill(start);
                for (int b = 0; b < rows; b++)
                {
                    weights[b] *= Math.Pow(10, (b % 5) - 2);
                }

                var expected = (double[])start.Clone();
                for (int b = 0; b < rows; b++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        double product = z[b * d + j] * weights[b];
                        expected[j] += product;
                    }
                }

                foreach (LaneWidth width in Widths)
                {
                    var actual = (double[])start.Clone();
                    FixedOrder.AddWeightedRows(width, z, weights, actual);
                    Assert.Equal(expected, actual);
                }
            }
        }

        Assert.Throws<ArgumentException>(() => FixedOrder.AddWeightedRows(new float[7], new double[2], new double[3]));
    }
}
