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
public sealed class CompressingReducer<T> : IReducer<T> where T : unmanaged, IFloatingPointIeee754<T>
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

    /// <summary>Rounds begun so far (the stochastic rounding's round index is this, from 1).</summary>
    public long Round { get; private set; }

    /// <summary>Bytes this participant's workers sent in the last round, as encoded (fp32: 4 per value).</summary>
    public long LastRoundBytes { get; private set; }

    /// <summary>Each worker's error-feedback residual (for checkpoints); empty without error feedback.</summary>
    public IReadOnlyDictionary<int, T[]> Residuals => _residuals;

    /// <summary>Sets a worker's residual (a resume).</summary>
    public void RestoreResidual(int worker, ReadOnlySpan<T> residual) => _residuals[worker] = residual.ToArray();

    /// <summary>Continues after <paramref name="rounds"/> rounds (a resume): stochastic rounding's next round is the one after.</summary>
    public void ResumeAt(long rounds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rounds);
        Round = rounds;
    }

    /// <inheritdoc />
    public void Begin(int dimension, int localWorkers)
    {
        _inner.Begin(dimension, localWorkers);
        Round++;
        _bytesThisRound = 0;
        if (_values.Length != dimension)
        {
            _values = new float[dimension];
            _decoded = new float[dimension];
            _sent = new T[dimension];
            _bytes = new byte[_codec.EncodedBytes(dimension)];
        }
    }

    /// <inheritdoc />
    public void Add(int worker, ReadOnlySpan<T> pseudoGradient)
    {
        int n = pseudoGradient.Length;
        if (n != _values.Length)
        {
            throw new ArgumentException($"The pseudo-gradient has {n} entries; the round has {_values.Length}.", nameof(pseudoGradient));
        }

        _bytesThisRound += _codec.EncodedBytes(n);
        if (Spec.Kind == CodecKind.Fp32)
        {
            _inner.Add(worker, pseudoGradient);
            return;
        }

        T[]? residual = null;
        if (ErrorFeedback && !_residuals.TryGetValue(worker, out residual))
        {
            residual = new T[n];
            _residuals[worker] = residual;
        }

        for (int i = 0; i < n; i++)
        {
            T v = residual is null ? pseudoGradient[i] : pseudoGradient[i] + residual[i];
            _values[i] = float.CreateTruncating(v);
        }

        _codec.Encode(_values, _bytes, UnitNoise.Seed(_seed, Round, worker));
        _codec.Decode(_bytes, _decoded);
        for (int i = 0; i < n; i++)
        {
            T d = T.CreateTruncating(_decoded[i]);
            _sent[i] = d;
            if (residual is not null)
            {
                residual[i] = pseudoGradient[i] + residual[i] - d;
            }
        }

        _inner.Add(worker, _sent);
    }

    /// <inheritdoc />
    public void Mean(Span<T> destination)
    {
        _inner.Mean(destination);
        LastRoundBytes = _bytesThisRound;
    }
}
