using Loco.Core.Numerics;

namespace Loco.Theory.Dynamics;

/// <summary>
/// The state of <see cref="RiskRecursion"/>'s one-pass form and its passes, split into contiguous chunks of atoms
/// (one per thread; chunk 0 runs on the caller). Each chunk keeps its own accumulators; <see cref="Pass"/> reduces
/// them in chunk order, so a given thread count gives the same numbers every time, on every CPU (chunks are whole blocks
/// of <see cref="RoundKernel.Lanes"/> atoms whatever the vector width). Nothing is allocated per pass.
/// </summary>
internal sealed class OnePassRecursion : IDisposable
{
    private readonly double[] _lambda, _weighted, _initial, _geometric;
    private readonly RoundConstants _p;
    private readonly int[] _start, _length;
    private readonly double[][] _acc;
    private readonly double[] _scratch;
    private readonly Worker[] _workers;
    private readonly double[] _forcing;
    private readonly LaneWidth _width;
    private bool _outer;
    private bool _reset;

    public OnePassRecursion(double[] lambda, double[] weightedLambda, double[] initialSquare, RoundConstants p, int threads, LaneWidth width = LaneWidth.Auto)
    {
        _width = width;
        _lambda = lambda;
        _weighted = weightedLambda;
        _initial = initialSquare;
        _p = p;
        int n = lambda.Length;
        Ss = (double[])initialSquare.Clone();
        Sv = new double[n];
        Vv = new double[n];
        A = new double[n];
        B = new double[n];
        Array.Fill(A, 1.0);
        _geometric = p.FoldShared ? Geometric(lambda, p.Eta, p.H) : [];
        const int w = RoundKernel.Lanes;
        int chunks = Math.Max(1, Math.Min(threads, n / w));
        _start = new int[chunks];
        _length = new int[chunks];
        int vectors = n / w;
        for (int c = 0; c < chunks; c++)
        {
            _start[c] = (int)((long)vectors * c / chunks) * w;
            _length[c] = (int)((long)vectors * (c + 1) / chunks) * w - _start[c];
        }

        _length[chunks - 1] = n - _start[chunks - 1]; // the last chunk takes the remainder (its tail is padded)
        _acc = new double[chunks][];
        for (int c = 0; c < chunks; c++)
        {
            _acc[c] = new double[RoundKernel.Accumulators(p.H) * w];
        }

        _scratch = new double[RoundKernel.TailScratch];
        _forcing = new double[p.H * w];
        Totals = new double[RoundKernel.Accumulators(p.H)];
        _workers = new Worker[chunks - 1];
        for (int c = 1; c < chunks; c++)
        {
            int chunk = c;
            _workers[c - 1] = new Worker(() => RunChunk(chunk));
        }
    }

    /// <summary>E s² per atom.</summary>
    public double[] Ss { get; }

    /// <summary>E s v per atom.</summary>
    public double[] Sv { get; }

    /// <summary>E v² per atom.</summary>
    public double[] Vv { get; }

    /// <summary>Mean coefficient of s.</summary>
    public double[] A { get; }

    /// <summary>Mean coefficient of v.</summary>
    public double[] B { get; }

    /// <summary>
    /// After a pass: M_1..M_H, P_1..P_H, Σ w λ E s², Σ w λ a² E e(0)² (the last is 0 after a moments-only pass); with
    /// <see cref="RoundConstants.FoldShared"/>, Σ_t P_t in place of P_1 and zeros for P_2..P_H.
    /// </summary>
    public double[] Totals { get; }

    /// <summary>Threads the passes use.</summary>
    public int Threads => _start.Length;

    /// <summary>
    /// One pass: the outer step with forcing F_0..F_{H−1} (none: moments only) and the restart when
    /// <paramref name="reset"/>, then the moments of the new state, reduced into <see cref="Totals"/>.
    /// </summary>
    public void Pass(double[] forcing, bool reset)
    {
        _outer = forcing.Length > 0;
        for (int s = 0; s < forcing.Length; s++)
        {
            _forcing.AsSpan(s * RoundKernel.Lanes, RoundKernel.Lanes).Fill(forcing[s]);
        }

        _reset = reset;
        foreach (Worker w in _workers)
        {
            w.Start();
        }

        RunChunk(0);
        foreach (Worker w in _workers)
        {
            w.Wait();
        }

        Array.Clear(Totals);
        foreach (double[] acc in _acc)
        {
            for (int j = 0; j < Totals.Length; j++)
            {
                Totals[j] += RoundKernel.Reduce(acc, j);
            }
        }
    }

    private void RunChunk(int c)
    {
        double[] acc = _acc[c];
        ReadOnlySpan<double> forcing = _outer ? _forcing : [];
        Array.Clear(acc);
        int start = _start[c], length = _length[c];
        var block = new AtomBlock(_lambda, _weighted, _initial, Ss, Sv, Vv, A, B, _geometric).Slice(start, length);
        int tail = length % RoundKernel.Lanes;
        RoundKernel.Pass(_width, block.Slice(0, length - tail), _p, forcing, _reset, acc);
        RoundKernel.Tail(_width, block, tail, _p, forcing, _reset, acc, _scratch);
    }

    /// <summary>
    /// G = Σ_{t=1}^{H} q^{2t} per atom with q = fma(−η, λ, 1) as the kernel forms it, summed in increasing t by scalar
    /// operations (the same bits on every CPU).
    /// </summary>
    public static double[] Geometric(double[] lambda, double eta, int h)
    {
        var g = new double[lambda.Length];
        for (int k = 0; k < lambda.Length; k++)
        {
            double q = Math.FusedMultiplyAdd(-eta, lambda[k], 1.0);
            double q2 = q * q, power = q2, sum = q2;
            for (int t = 2; t <= h; t++)
            {
                power *= q2;
                sum += power;
            }

            g[k] = sum;
        }

        return g;
    }

    public void Dispose()
    {
        foreach (Worker w in _workers)
        {
            w.Dispose();
        }
    }

    // A background thread that runs one action each time it is started.
    private sealed class Worker : IDisposable
    {
        private readonly ManualResetEventSlim _go = new(false), _done = new(false);
        private readonly Thread _thread;
        private volatile bool _stop;
        private Exception? _error;

        public Worker(Action action)
        {
            _thread = new Thread(() =>
            {
                while (true)
                {
                    _go.Wait();
                    _go.Reset();
                    if (_stop)
                    {
                        return;
                    }

                    try
                    {
                        action();
                    }
                    catch (Exception e)
                    {
                        _error = e;
                    }

                    _done.Set();
                }
            })
            { IsBackground = true, Name = "loco-theory-pass" };
            _thread.Start();
        }

        public void Start()
        {
            _done.Reset();
            _go.Set();
        }

        public void Wait()
        {
            _done.Wait();
            if (_error is Exception e)
            {
                _error = null;
                throw new InvalidOperationException("A recursion pass failed.", e);
            }
        }

        public void Dispose()
        {
            _stop = true;
            _go.Set();
            _thread.Join();
            _go.Dispose();
            _done.Dispose();
        }
    }
}
