using Loco.Core.Family;
using Loco.Core.Random;

namespace Loco.Torch.Data;

/// <summary>Settings of a generated order-k Markov text source.</summary>
/// <param name="AlphabetSize">Number of letters, 2 to 26; the letters are 'a', 'b', ... so the text is plain ASCII.</param>
/// <param name="Order">k: how many previous letters the next one depends on (1 to 6).</param>
/// <param name="Sharpness">
/// Each transition row is softmax(Sharpness · z) with z ~ N(0, I): 0 gives uniform rows (rate log A);
/// larger values give peakier rows and a lower entropy rate.
/// </param>
/// <param name="Seed">Seed of the transition table (and, by default, of the generated text).</param>
public sealed record MarkovSourceOptions(int AlphabetSize, int Order, double Sharpness, ulong Seed)
{
    /// <summary>
    /// 12 letters, order 2, sharpness 2.5, seed 1: 144 contexts, an entropy rate of 1.2767 nats per
    /// letter (log 12 = 2.48), small enough that a ~1M-parameter transformer learns it in about a minute.
    /// </summary>
    public static MarkovSourceOptions Default { get; } = new(12, 2, 2.5, 1);
}

/// <summary>
/// A seeded stationary order-k Markov chain over a small alphabet of letters: the generated
/// "language" of quick training runs, whose best achievable loss (the entropy rate) is known exactly.
/// </summary>
/// <remarks>
/// The state of the chain is the context c = (x_{t-k}, ..., x_{t-1}) in A^k, indexed base A with the
/// oldest letter most significant. <see cref="EntropyRateNats"/> = Σ_c π(c) H(P(·|c)), with π the
/// stationary distribution of the context chain, found by power iteration of the lazy chain
/// (½(I + P), same stationary law, aperiodic) to an L1 change below 1e-14. Since every letter is one
/// byte, this is also the floor in nats per token under the byte tokenizer.
/// </remarks>
public sealed class MarkovSource
{
    private readonly double[] _transitions; // [context * A + next]
    private readonly double[] _cumulative;  // row-wise cumulative sums, for sampling
    private readonly double[] _stationary;  // π over contexts

    /// <summary>The source with random transition rows drawn as described in <see cref="MarkovSourceOptions"/>.</summary>
    public MarkovSource(MarkovSourceOptions options)
        : this(options.AlphabetSize, options.Order, DrawRows(options), options.Seed) { }

    /// <summary>The source with the given transition table (rows over contexts, base-A index, oldest letter first).</summary>
    /// <param name="alphabetSize">A.</param>
    /// <param name="order">k.</param>
    /// <param name="transitions">A^k rows of A probabilities, row-major; each row must sum to 1.</param>
    /// <param name="seed">Default seed of <see cref="Generate(int)"/>.</param>
    public MarkovSource(int alphabetSize, int order, double[] transitions, ulong seed = 0)
    {
        Validate(alphabetSize, order);
        int contexts = Pow(alphabetSize, order);
        if (transitions.Length != contexts * alphabetSize)
            throw new ArgumentException($"Expected {contexts * alphabetSize} transition probabilities, got {transitions.Length}.", nameof(transitions));
        for (int c = 0; c < contexts; c++)
        {
            double sum = 0;
            for (int j = 0; j < alphabetSize; j++)
            {
                double p = transitions[c * alphabetSize + j];
                if (!(p >= 0)) throw new ArgumentException($"Row {c} has a negative or NaN probability.", nameof(transitions));
                sum += p;
            }
            if (Math.Abs(sum - 1) > 1e-9) throw new ArgumentException($"Row {c} sums to {sum}, not 1.", nameof(transitions));
        }

        AlphabetSize = alphabetSize;
        Order = order;
        Seed = seed;
        _transitions = (double[])transitions.Clone();
        _cumulative = new double[_transitions.Length];
        for (int c = 0; c < contexts; c++)
        {
            double running = 0;
            for (int j = 0; j < alphabetSize; j++)
                _cumulative[c * alphabetSize + j] = running += _transitions[c * alphabetSize + j];
        }
        _stationary = Stationary();
        EntropyRateNats = ComputeEntropyRate();
    }

    /// <summary>A: the number of letters.</summary>
    public int AlphabetSize { get; }

    /// <summary>k: the order of the chain.</summary>
    public int Order { get; }

    /// <summary>Default seed of <see cref="Generate(int)"/>.</summary>
    public ulong Seed { get; }

    /// <summary>A^k: the number of contexts.</summary>
    public int ContextCount => _stationary.Length;

    /// <summary>The exact entropy rate in nats per letter (= per byte-tokenizer token).</summary>
    public double EntropyRateNats { get; }

    /// <summary>The stationary probability of each context (base-A index, oldest letter first).</summary>
    public ReadOnlySpan<double> StationaryDistribution => _stationary;

    /// <summary>P(next = <paramref name="next"/> | context index <paramref name="context"/>).</summary>
    public double Probability(int context, int next) => _transitions[context * AlphabetSize + next];

    /// <summary>The letter of symbol <paramref name="symbol"/>: 'a' + symbol.</summary>
    public static char Letter(int symbol) => (char)('a' + symbol);

    /// <summary><paramref name="length"/> letters from the chain started in its stationary law, seeded by <see cref="Seed"/>.</summary>
    public string Generate(int length) => Generate(length, Seed);

    /// <summary><paramref name="length"/> letters from the chain started in its stationary law; the same seed gives the same text.</summary>
    public string Generate(int length, ulong seed)
    {
        var symbols = GenerateSymbols(length, seed);
        return string.Create(length, symbols, static (span, s) =>
        {
            for (int i = 0; i < span.Length; i++) span[i] = Letter(s[i]);
        });
    }

    /// <summary>Like <see cref="Generate(int, ulong)"/>, as symbols 0..A-1.</summary>
    public byte[] GenerateSymbols(int length, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var rng = new Xoshiro256(seed, stream: 1);
        var symbols = new byte[length];
        int contexts = ContextCount;

        // Initial context from π, so the whole sequence is stationary.
        int context = SampleIndex(_stationary, rng.NextDouble());
        var initial = new int[Order];
        for (int i = Order - 1, c = context; i >= 0; i--, c /= AlphabetSize) initial[i] = c % AlphabetSize;
        int emitted = 0;
        for (; emitted < Math.Min(Order, length); emitted++) symbols[emitted] = (byte)initial[emitted];

        for (; emitted < length; emitted++)
        {
            int next = SampleNext(context, rng.NextDouble());
            symbols[emitted] = (byte)next;
            context = context * AlphabetSize % contexts + next;
        }
        return symbols;
    }

    private int SampleNext(int context, double u)
    {
        int row = context * AlphabetSize;
        for (int j = 0; j < AlphabetSize - 1; j++)
            if (u < _cumulative[row + j]) return j;
        return AlphabetSize - 1;
    }

    private static int SampleIndex(double[] probabilities, double u)
    {
        double running = 0;
        for (int i = 0; i < probabilities.Length - 1; i++)
            if (u < (running += probabilities[i])) return i;
        return probabilities.Length - 1;
    }

    private double[] Stationary()
    {
        int contexts = Pow(AlphabetSize, Order);
        int a = AlphabetSize;
        var pi = new double[contexts];
        var next = new double[contexts];
        Array.Fill(pi, 1.0 / contexts);
        double tolerance = 1e-14 + contexts * 1e-16; // rounding floor of an L1 norm over many entries
        for (int iteration = 0; iteration < 1_000_000; iteration++)
        {
            // next = ½ π + ½ π P, where context c moves to (c·A mod A^k) + j with probability P(j|c).
            for (int c = 0; c < contexts; c++) next[c] = 0.5 * pi[c];
            for (int c = 0; c < contexts; c++)
            {
                double mass = 0.5 * pi[c];
                if (mass == 0) continue;
                int shifted = c * a % contexts;
                for (int j = 0; j < a; j++) next[shifted + j] += mass * _transitions[c * a + j];
            }
            double sum = 0, change = 0;
            for (int c = 0; c < contexts; c++) sum += next[c];
            for (int c = 0; c < contexts; c++)
            {
                next[c] /= sum;
                change += Math.Abs(next[c] - pi[c]);
            }
            (pi, next) = (next, pi);
            if (change < tolerance) return pi;
        }
        throw new InvalidOperationException("The context chain's stationary distribution did not converge; the chain mixes too slowly.");
    }

    private double ComputeEntropyRate()
    {
        double rate = 0;
        for (int c = 0; c < _stationary.Length; c++)
        {
            double h = 0;
            for (int j = 0; j < AlphabetSize; j++)
            {
                double p = _transitions[c * AlphabetSize + j];
                if (p > 0) h -= p * Math.Log(p);
            }
            rate += _stationary[c] * h;
        }
        return rate;
    }

    private static double[] DrawRows(MarkovSourceOptions options)
    {
        Validate(options.AlphabetSize, options.Order);
        if (!(options.Sharpness >= 0) || double.IsInfinity(options.Sharpness))
            throw new InvalidInputException("--markov-sharpness", $"must be a finite number ≥ 0, got {options.Sharpness}.");
        int a = options.AlphabetSize;
        int contexts = Pow(a, options.Order);
        var rows = new double[contexts * a];
        new GaussianStream(options.Seed, stream: 0).Fill(rows);
        for (int c = 0; c < contexts; c++)
        {
            Span<double> row = rows.AsSpan(c * a, a);
            double max = double.NegativeInfinity;
            for (int j = 0; j < a; j++) max = Math.Max(max, row[j] *= options.Sharpness);
            double sum = 0;
            for (int j = 0; j < a; j++) sum += row[j] = Math.Exp(row[j] - max);
            for (int j = 0; j < a; j++) row[j] /= sum;
        }
        return rows;
    }

    private static void Validate(int alphabetSize, int order)
    {
        if (alphabetSize is < 2 or > 26)
            throw new InvalidInputException("--markov-alphabet", $"must be between 2 and 26 letters, got {alphabetSize}.");
        if (order is < 1 or > 6)
            throw new InvalidInputException("--markov-order", $"must be between 1 and 6, got {order}.");
        if (Math.Pow(alphabetSize, order) > 1 << 22)
            throw new InvalidInputException("--markov-order", $"{alphabetSize}^{order} contexts is too many (at most 2^22).");
    }

    private static int Pow(int b, int e)
    {
        int r = 1;
        for (int i = 0; i < e; i++) r *= b;
        return r;
    }
}
