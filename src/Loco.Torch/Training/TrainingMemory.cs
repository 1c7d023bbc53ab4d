using Loco.Core.Family;
using Loco.Torch.Models;

namespace Loco.Torch.Training;

/// <summary>How much memory a language-model run needs, and a refusal, naming the flag, of one that cannot fit.</summary>
public static class TrainingMemory
{
    /// <summary>
    /// Rough bytes of the weights' side of a run: M + 1 model copies (workers and validation), each worker's gradients
    /// and two AdamW moments, and the flat global weights, momentum and pseudo-gradient buffers, all fp32.
    /// </summary>
    public static long WeightBytes(LlamaConfig model, int workers)
    {
        ArgumentNullException.ThrowIfNull(model);
        return 4L * model.ParameterCount * ((workers + 1) + 3L * workers + 4);
    }

    /// <summary>
    /// Rough bytes of the activations of one minibatch per worker: about 40 floats per hidden unit per token per layer
    /// (a generous bound for the LLaMA block) and three vocabulary-wide rows per token (the logits and their gradients).
    /// </summary>
    public static long ActivationBytes(LlamaConfig model, int workers, int batch, int context)
    {
        ArgumentNullException.ThrowIfNull(model);
        double perToken = (double)model.Hidden * model.Layers * 40 + 3.0 * model.VocabularySize;
        return (long)Math.Min(4.0 * workers * batch * context * perToken, long.MaxValue / 2);
    }

    /// <summary>Weights and activations together.</summary>
    public static long Bytes(LlamaConfig model, int workers, int batch, int context) =>
        WeightBytes(model, workers) + ActivationBytes(model, workers, batch, context);

    /// <summary>The memory this process may use (the machine's, or its container's limit).</summary>
    public static long Available => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// Refuses a run whose estimate exceeds <paramref name="available"/> bytes (default <see cref="Available"/>), naming
    /// <c>--workers</c> or <c>--model</c> when the weights alone do not fit, else <c>--batch</c>.
    /// </summary>
    public static void EnsureFits(LlamaConfig model, int workers, int batch, int context, long? available = null)
    {
        long room = available ?? Available;
        if (room <= 0)
        {
            return;
        }

        long weights = WeightBytes(model, workers);
        long activations = ActivationBytes(model, workers, batch, context);
        if (weights + activations <= room)
        {
            return;
        }

        string need = $"about {Gigabytes(weights + activations)} ({Gigabytes(weights)} for {workers + 1} copies of the model's {model.ParameterCount:N0} weights " +
                      $"with gradients and AdamW moments, {Gigabytes(activations)} for the activations of {workers} × {batch} rows of {context} tokens), " +
                      $"but {Gigabytes(room)} is available";
        if (weights > room)
        {
            string flag = workers > 1 && WeightBytes(model, 1) <= room ? "--workers" : "--model";
            throw new InvalidInputException(flag, $"the run cannot fit in memory: it needs {need}; choose a smaller {flag}.");
        }

        throw new InvalidInputException("--batch", $"the run cannot fit in memory: it needs {need}; choose a smaller --batch (or --context).");
    }

    private static string Gigabytes(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):N1} GiB" : $"{bytes / (double)(1L << 20):N1} MiB";
}
