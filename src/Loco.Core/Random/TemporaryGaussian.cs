namespace Loco.Core.Random;

// TEMPORARY stand-in (scalar xoshiro256** + Box–Muller) until the SIMD generator lands; same API.
public sealed class GaussianStream
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spare;
    private bool _hasSpare;

    public GaussianStream(ulong seed, ulong stream = 0)
    {
        ulong x = seed ^ (stream * 0xD1B54A32D192ED03UL);
        static ulong Mix(ref ulong z)
        {
            z += 0x9E3779B97F4A7C15UL;
            ulong r = z;
            r = (r ^ (r >> 30)) * 0xBF58476D1CE4E5B9UL;
            r = (r ^ (r >> 27)) * 0x94D049BB133111EBUL;
            return r ^ (r >> 31);
        }

        _s0 = Mix(ref x); _s1 = Mix(ref x); _s2 = Mix(ref x); _s3 = Mix(ref x);
    }

    private ulong Next()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t; _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    public double NextGaussian()
    {
        if (_hasSpare) { _hasSpare = false; return _spare; }
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2 * Math.Log(u1));
        (double s, double c) = Math.SinCos(2 * Math.PI * u2);
        _spare = r * s; _hasSpare = true;
        return r * c;
    }

    public void Fill(Span<double> destination) { for (int i = 0; i < destination.Length; i++) destination[i] = NextGaussian(); }

    public void Fill(Span<float> destination) { for (int i = 0; i < destination.Length; i++) destination[i] = (float)NextGaussian(); }

    public void FillUniform(Span<double> destination) { for (int i = 0; i < destination.Length; i++) destination[i] = NextDouble(); }
}
