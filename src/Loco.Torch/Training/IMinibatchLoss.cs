using static TorchSharp.torch;

namespace Loco.Torch.Training;

/// <summary>
/// What a worker trains on: each call draws the worker's next minibatch and returns the scalar loss of the worker's
/// own module on it (with its autograd graph). It owns the data stream, so a checkpoint saves its position.
/// </summary>
public interface IMinibatchLoss
{
    /// <summary>The loss on the next minibatch.</summary>
    Tensor Next();

    /// <summary>Items (tokens or samples) one minibatch holds, for throughput.</summary>
    long ItemsPerBatch { get; }
}
