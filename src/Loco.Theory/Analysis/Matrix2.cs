namespace Loco.Theory.Analysis;

/// <summary>A real 2×2 matrix [[A11, A12], [A21, A22]] acting on a mode's (slow-weight error, momentum) pair.</summary>
public readonly record struct Matrix2(double A11, double A12, double A21, double A22)
{
    /// <summary>The identity.</summary>
    public static Matrix2 Identity => new(1, 0, 0, 1);

    /// <summary>t = A11 + A22.</summary>
    public double Trace => A11 + A22;

    /// <summary>d = A11 A22 − A12 A21.</summary>
    public double Determinant => A11 * A22 - A12 * A21;

    /// <summary>The matrix product this · <paramref name="right"/>.</summary>
    public Matrix2 Times(Matrix2 right) => new(
        A11 * right.A11 + A12 * right.A21, A11 * right.A12 + A12 * right.A22,
        A21 * right.A11 + A22 * right.A21, A21 * right.A12 + A22 * right.A22);

    /// <summary>This matrix applied to the column (x, y).</summary>
    public (double X, double Y) Apply(double x, double y) => (A11 * x + A12 * y, A21 * x + A22 * y);

    /// <summary>The K-th power by repeated multiplication (the reference the closed forms are tested against).</summary>
    public Matrix2 PowerByProduct(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        Matrix2 result = Identity;
        for (int i = 0; i < k; i++)
        {
            result = Times(result);
        }

        return result;
    }

    /// <summary>The largest entry in absolute value.</summary>
    public double MaxAbs => Math.Max(Math.Max(Math.Abs(A11), Math.Abs(A12)), Math.Max(Math.Abs(A21), Math.Abs(A22)));
}
