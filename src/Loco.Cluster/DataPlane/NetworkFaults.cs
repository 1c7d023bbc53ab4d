namespace Loco.Cluster.DataPlane;

/// <summary>
/// Fault injection on a worker's data plane, for tests: <c>LOCO_FAULT_NETWORK=SEED:DUP:DROP:DELAY</c> in the worker's
/// environment duplicates a fraction DUP of its chunk uploads (the same chunk sent twice), drops a fraction DROP (the
/// request is lost before it reaches the coordinator, and the chunk is sent again) and delays every request by a
/// uniform 0..DELAY seconds; from a generator seeded by SEED and the worker's index. Null when the variable is not set.
/// </summary>
public sealed class NetworkFaults
{
    private readonly Random _random;
    private readonly Lock _gate = new();

    private NetworkFaults(int seed, double duplicate, double drop, double delay)
    {
        _random = new Random(seed);
        Duplicate = duplicate;
        Drop = drop;
        Delay = delay;
    }

    /// <summary>Fraction of uploads sent twice.</summary>
    public double Duplicate { get; }

    /// <summary>Fraction of requests lost.</summary>
    public double Drop { get; }

    /// <summary>Largest delay in seconds.</summary>
    public double Delay { get; }

    /// <summary>How many of each were injected.</summary>
    public (int Duplicated, int Dropped, int Delayed) Injected => (_duplicated, _dropped, _delayed);

    private int _duplicated, _dropped, _delayed;

    /// <summary>The faults the environment asks for, or null.</summary>
    public static NetworkFaults? FromEnvironment(int worker)
    {
        string? text = Environment.GetEnvironmentVariable("LOCO_FAULT_NETWORK");
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        string[] f = text.Split(':');
        return f.Length == 4
            ? new NetworkFaults(unchecked(int.Parse(f[0]) * 7919 + worker), double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture),
                double.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture), double.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture))
            : throw new FormatException($"LOCO_FAULT_NETWORK='{text}' is not SEED:DUP:DROP:DELAY.");
    }

    private double Next()
    {
        lock (_gate)
        {
            return _random.NextDouble();
        }
    }

    /// <summary>Waits the request's delay; throws an <see cref="IOException"/> when the request is to be lost.</summary>
    public async Task BeforeSendAsync()
    {
        if (Delay > 0)
        {
            Interlocked.Increment(ref _delayed);
            await Task.Delay(TimeSpan.FromSeconds(Next() * Delay));
        }

        if (Next() < Drop)
        {
            Interlocked.Increment(ref _dropped);
            throw new IOException("LOCO_FAULT_NETWORK dropped this request.");
        }
    }

    /// <summary>Whether to send this upload a second time.</summary>
    public bool SendTwice()
    {
        bool twice = Next() < Duplicate;
        if (twice)
        {
            Interlocked.Increment(ref _duplicated);
        }

        return twice;
    }
}
