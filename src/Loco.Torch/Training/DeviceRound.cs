using Loco.Core.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Loco.Torch.Training;

/// <summary>
/// The two-phase round with the global weights, the pseudo-gradients and the outer step on the workers' device (a GPU):
/// the same round as Loco.Core's <see cref="Loco.Core.Rounds.TwoPhaseRound{T}"/> with the in-process reducer — every
/// worker starts from s, takes H inner steps; Δ = mean_m (s − f_m), summed in worker-index order; the outer step by
/// <see cref="TensorOuterStep"/> with Loco.Core's coefficients and restart schedule — without a round trip of the
/// weights through the host. Per round it reads back only the workers' losses and the outer step's norm.
/// </summary>
/// <remarks>
/// The host copies of s and v (<see cref="DiLoCoTrainer.Global"/>, the outer state's momentum) are brought up to date
/// when read (<see cref="PullToHost"/>), for evaluation and checkpoints. Codecs, fragments and clusters need the
/// pseudo-gradients on the host and use the host round.
/// </remarks>
internal sealed class DeviceRound : IDisposable
{
    private readonly ModuleWorker[] _workers;
    private readonly OuterOptimizer _outer;
    private readonly Tensor _global;
    private readonly Tensor _momentum;
    private readonly Tensor _delta;
    private readonly Tensor _scratch;
    private readonly Tensor _before;

    public DeviceRound(ModuleWorker[] workers, OuterOptimizer outer, int innerSteps, ReadOnlySpan<float> global)
    {
        _workers = workers;
        _outer = outer;
        InnerSteps = innerSteps;
        Device device = workers[0].Flat.Device;
        int n = workers[0].Flat.Length;
        _global = zeros(n, ScalarType.Float32, device);
        _momentum = zeros(n, ScalarType.Float32, device);
        _delta = zeros(n, ScalarType.Float32, device);
        _scratch = zeros(n, ScalarType.Float32, device);
        _before = zeros(n, ScalarType.Float32, device);
        Push(global, new float[n]);
    }

    public int InnerSteps { get; }

    /// <summary>Whether the host copies are behind the device.</summary>
    public bool HostStale { get; private set; }

    /// <summary>Runs one round; returns ‖s_after − s_before‖.</summary>
    public double Run(OuterState<float> state)
    {
        using (no_grad())
        {
            _before.copy_(_global);
            foreach (ModuleWorker worker in _workers)
            {
                worker.BeginRound(_global);
            }
        }

        foreach (ModuleWorker worker in _workers)
        {
            for (int h = 0; h < InnerSteps; h++)
            {
                worker.InnerStep();
            }
        }

        double loss = 0;
        foreach (ModuleWorker worker in _workers)
        {
            loss += worker.LastLoss; // reads the losses back (once) and stops on a non-finite one
        }

        CollectionPause.Ensure();
        using Scalar workers = ((double)_workers.Length).ToScalar(); // held for the native call (see CollectionPause)
        using (no_grad())
        {
            _delta.zero_();
            foreach (ModuleWorker worker in _workers)
            {
                _scratch.copy_(_global).sub_(worker.Flat.Data); // Δ_m = s − f_m
                _delta.add_(_scratch);
            }

            _delta.div_(workers);
            TensorOuterStep.Step(_outer, _global, _delta, _momentum, state, loss / _workers.Length);
            HostStale = true;
            using Tensor step = _global.sub(_before);
            return step.norm().item<float>();
        }
    }

    /// <summary>Copies s and v from the device into the host buffers.</summary>
    public void PullToHost(Span<float> global, Span<float> momentum)
    {
        Copy(_global, global);
        Copy(_momentum, momentum);
        HostStale = false;
    }

    /// <summary>Sets s and v on the device from the host buffers (a resume).</summary>
    public void Push(ReadOnlySpan<float> global, ReadOnlySpan<float> momentum)
    {
        using (no_grad())
        {
            using Tensor g = tensor(global.ToArray());
            using Tensor v = tensor(momentum.ToArray());
            _global.copy_(g);
            _momentum.copy_(v);
        }

        HostStale = false;
    }

    private static void Copy(Tensor from, Span<float> to)
    {
        const int chunk = 1 << 26; // floats per copy, so byte lengths stay within int
        using Tensor host = from.cpu();
        for (int at = 0; at < to.Length; at += chunk)
        {
            int n = Math.Min(chunk, to.Length - at);
            using Tensor part = host.narrow(0, at, n);
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(part.bytes).CopyTo(to.Slice(at, n));
        }
    }

    public void Dispose()
    {
        foreach (Tensor t in new[] { _global, _momentum, _delta, _scratch, _before })
        {
            t.Dispose();
        }
    }
}
