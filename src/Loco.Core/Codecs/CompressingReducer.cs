using System.Numerics;
using Loco.Core.Rounds.Reducers;

namespace Loco.Core.Codecs;

/// <summary>
/// A reducer decoration (DESIGN.md §8): each worker's pseudo-gradient is encoded with a codec, and what the inner
/// reducer averages is its decoding, in worker-index order as always. With error feedback the worker keeps what the
/// codec lost, e_m ← (Δ_m + e_m) − decode(encode(Δ_m + e_m)), and adds it to its next pseudo-gradient. Stochastic
/// rounding draws from (seed, round, worker, index), so a run is reproducible. fp32 passes Δ through untouched.
/// </summary>
/// <remarks>Values travel as fp32 whatever <typeparamref name="T"/> is; decoded values are summed in <typeparamref name="T"/>
/// (double in the simulator).</remarks>
public sealed class CompressingReducer<T> : IReducer<T>, ICountsBytes where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IReducer<T> _inner;
    private readonly ICodec _codec;
    private readonly ulong _seed;
    private readonly Dictionary<int, T[]> _residuals = [];
    private float[] _values = [];
    private float[] _decoded = [];
    private byte[] _bytes = [];
    private T[] _sent = [];
    private long _bytesThisRound;
    private int _start;
    private int _length;
    private int _dimension;

    /// <summary>Wraps <paramref name="inner"/> with <paramref name="spec"/>'s codec; <paramref name="round"/>: rounds already done (a resume).</summary>
    public CompressingReducer(IReducer<T> inner, CodecSpec spec, bool errorFeedback, ulong seed, long round = 0)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(spec);
        _inner = inner;
        Spec = spec;
        _codec = spec.Create();
        ErrorFeedback = errorFeedback;
        _seed = seed;
        Round = round;
    }

    /// <summary>The codec.</summary>
    public CodecSpec Spec { get; }

    /// <summary>Whether workers keep and resend what the codec lost.</summary>
    public bool ErrorFeedback { get; }

    /// <summary>Reductions begun so far: rounds, or with fragments fragment synchronisations (stochastic rounding's key, from 1).</summary>
    public long Round { get; private set; }

    /// <summary>Bytes this participant's workers sent in the last reduction (a round, or a fragment), as encoded (fp32: 4 per value).</summary>
    public long LastRoundBytes { get; private set; }

    /// <summary>Bytes this participant's workers sent since this reducer was made, as encoded.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Each worker's error-feedback residual (for checkpoints); empty without error feedback.</summary>
    public IReadOnlyDictionary<int, T[]> Residuals => _residuals;

    /// <summary>Sets a worker's residual (a resume).</summary>
    public void RestoreResidual(int worker, ReadOnlySpan<T> residual)
    {
        _residuals[worker] = residual.ToArray();
        _dimension = residual.Length;
    }

    /// <summary>Continues after <paramref name="rounds"/> rounds (a resume): stochastic rounding's next round is the one after.</summary>
    public void ResumeAt(long rounds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rounds);
        Round = rounds;
    }

    /// <inheritdoc />
    public void Begin(int dimension, int localWorkers) => BeginSlice(0, dimension, dimension, localWorkers);

    /// <inheritdoc />
    /// <remarks>The error-feedback residuals are <paramref name="dimension"/> long and the slice's part of them is used;
    /// stochastic rounding keys each value's draw by its index in the whole vector.</remarks>
    public void BeginSlice(int start, int length, int dimension, int localWorkers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        if ((long)start + length > dimension)
        {
            throw new ArgumentException($"The slice [{start}, {start + length}) lies outside {dimension} entries.", nameof(length));
        }

        if (_dimension != 0 && _dimension != dimension && _residuals.Count > 0)
        {
            throw new InvalidOperationException($"The error-feedback residuals hold {_dimension} entries; this reduction is of {dimension}.");
        }

        _inner.BeginSlice(start, length, dimension, localWorkers);
        Round++;
        _bytesThisRound = 0;
        _start = start;
        _length = length;
        _dimension = dimension;
        if (_values.Length < length)
        {
            _values = new float[length];
            _decoded = new float[length];
            _sent = new T[length];
        }

        if (_bytes.Length < _codec.EncodedBytes(length))
        {
            _bytes = new byte[_codec.EncodedBytes(length)];
        }
    }

    /// <inheritdoc />
    public void Add(int worker, ReadOnlySpan<T> pseudoGradient)
    {
        int n = pseudoGradient.Length;
        if (n != _length)
        {
            throw new ArgumentException($"The pseudo-gradient has {n} entries; the round has {_length}.", nameof(pseudoGradient));
        }

        _bytesThisRound += _codec.EncodedBytes(n);
        if (Spec.Kind == CodecKind.Fp32)
        {
            _inner.Add(worker, pseudoGradient);
            return;
        }

        Span<T> residual = default;
        if (ErrorFeedback)
        {
            if (!_residuals.TryGetValue(worker, out T[]? all))
            {
                all = new T[_dimension];
                _residuals[worker] = all;
            }

            residual = all.AsSpan(_start, n);
        }

        Span<float> values = _values.AsSpan(0, n), decoded = _decoded.AsSpan(0, n);
        Span<T> sent = _sent.AsSpan(0, n);
        Span<byte> bytes = _bytes.AsSpan(0, _codec.EncodedBytes(n));
        bool feedback = !residual.IsEmpty;
        for (int i = 0; i < n; i++)
        {
            T v = feedback ? pseudoGradient[i] + residual[i] : pseudoGradient[i];
            values[i] = float.CreateTruncating(v);
        }

        _codec.Encode(values, bytes, UnitNoise.Seed(_seed, Round, worker), _start);
        _codec.Decode(bytes, decoded);
        for (int i = 0; i < n; i++)
        {
            T d = T.CreateTruncating(decoded[i]);
            sent[i] = d;
            if (feedback)
            {
                residual[i] = pseudoGradient[i] + residual[i] - d;
            }
        }

        _inner.Add(worker, sent);
    }

    /// <inheritdoc />
    public void Mean(Span<T> destination)
    {
        _inner.Mean(destination);
        LastRoundBytes = _bytesThisRound;
        BytesSent += _bytesThisRound;
    }
}
