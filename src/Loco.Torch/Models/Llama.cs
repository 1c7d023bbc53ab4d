using Loco.Core.Family;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Loco.Torch.Models;

// A LLaMA-style decoder in one file, in the spirit of nanoGPT:
//   tokens → embedding → L × [x + Attention(RMSNorm(x)); x + SwiGLU(RMSNorm(x))] → RMSNorm → logits.
// Attention is causal multi-head attention with rotary position embeddings (RoPE, rotate-half form),
// computed by TorchSharp's fused scaled_dot_product_attention. No biases anywhere, no dropout.

/// <summary>The shape of a <see cref="Llama"/> model.</summary>
/// <param name="VocabularySize">Tokens in the vocabulary (rows of the embedding).</param>
/// <param name="Hidden">Width of the residual stream (d_model).</param>
/// <param name="Layers">Number of transformer blocks.</param>
/// <param name="Heads">Attention heads; <paramref name="Hidden"/> must be a multiple of it, with an even head size.</param>
/// <param name="Ffn">Hidden width of the SwiGLU MLP.</param>
/// <param name="MaxContext">Longest sequence the rotary tables cover.</param>
/// <param name="TiedEmbeddings">Use the token embedding as the output projection too.</param>
public sealed record LlamaConfig(int VocabularySize, int Hidden, int Layers, int Heads, int Ffn, int MaxContext = 1024, bool TiedEmbeddings = true)
{
    /// <summary>RoPE base frequency.</summary>
    public double RopeTheta { get; init; } = 10_000;

    /// <summary>RMSNorm ε.</summary>
    public double NormEps { get; init; } = 1e-5;

    /// <summary>Standard deviation of the initial weights (residual output projections are scaled by 1/√(2L)).</summary>
    public double InitStd { get; init; } = 0.02;

    /// <summary>Names of the presets, as given to <c>--model</c>.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "small", "150m"];

    /// <summary>
    /// A preset shape: <c>tiny</c> (hidden 128, 4 layers, 4 heads, FFN 384; about 0.9M weights with a byte vocabulary),
    /// <c>small</c> (hidden 384, 6 layers, 6 heads, FFN 1024; about 10.7M), <c>150m</c> (hidden 1024, 12 layers,
    /// 16 heads, FFN 4096, vocabulary 32000 unless the data says otherwise). The vocabulary is the data's.
    /// </summary>
    /// <exception cref="InvalidInputException">Unknown name; the message names <c>--model</c>.</exception>
    public static LlamaConfig Preset(string name, int? vocabularySize = null, int maxContext = 1024) =>
        name?.Trim().ToLowerInvariant() switch
        {
            "tiny" => new LlamaConfig(vocabularySize ?? 256, 128, 4, 4, 384, maxContext),
            "small" => new LlamaConfig(vocabularySize ?? 256, 384, 6, 6, 1024, maxContext),
            "150m" => new LlamaConfig(vocabularySize ?? 32_000, 1024, 12, 16, 4096, maxContext),
            _ => throw new InvalidInputException("--model", $"unknown model '{name}'; choose one of {string.Join(", ", PresetNames)}."),
        };

    /// <summary>Size of one attention head.</summary>
    public int HeadSize => Hidden / Heads;

    /// <summary>Number of trainable weights, computed from the shape (equals the module's count).</summary>
    public long ParameterCount
    {
        get
        {
            long h = Hidden;
            long perLayer = 4 * h * h + 3 * h * Ffn + 2 * h; // q,k,v,o; gate, up, down; two norms
            long embeddings = (long)VocabularySize * h * (TiedEmbeddings ? 1 : 2);
            return embeddings + Layers * perLayer + h;
        }
    }

    /// <summary>Throws unless the shape is consistent.</summary>
    public void Validate()
    {
        if (VocabularySize < 2 || Hidden < 2 || Layers < 1 || Heads < 1 || Ffn < 1 || MaxContext < 1)
        {
            throw new InvalidInputException("--model", $"every size of the model must be positive (got {this}).");
        }

        if (Hidden % Heads != 0 || HeadSize % 2 != 0)
        {
            throw new InvalidInputException("--model", $"hidden size {Hidden} must be a multiple of {Heads} heads with an even head size.");
        }
    }
}

/// <summary>Root-mean-square layer norm: x / √(mean(x²) + ε) · g.</summary>
public sealed class RmsNorm : Module<Tensor, Tensor>
{
    private readonly Parameter weight;

    // Held by the module for its life (TorchSharp's unrooted scalars: see CollectionPause).
    private readonly Scalar _eps;

    /// <summary>Creates the norm over the last dimension of size <paramref name="size"/>.</summary>
    public RmsNorm(long size, double eps) : base(nameof(RmsNorm))
    {
        weight = new Parameter(ones(size));
        _eps = eps.ToScalar();
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor scale = x.square().mean([-1L], keepdim: true).add_(_eps).rsqrt_();
        return (x * scale * weight).MoveToOuterDisposeScope();
    }
}

/// <summary>Rotary position embeddings, rotate-half form: (x₁, x₂) ↦ (x₁ cos − x₂ sin, x₁ sin + x₂ cos).</summary>
public sealed class Rotary : Module<Tensor, Tensor>
{
    private readonly Tensor cos_table;
    private readonly Tensor sin_table;

    /// <summary>Tables for positions 0..<paramref name="maxContext"/>−1 and frequencies θ^(−2i/d).</summary>
    public Rotary(int headSize, int maxContext, double theta) : base(nameof(Rotary))
    {
        using (no_grad())
        {
            Tensor inverse = pow(theta, arange(0, headSize, 2, dtype: ScalarType.Float64) / headSize).reciprocal();
            Tensor angles = outer(arange(maxContext, dtype: ScalarType.Float64), inverse); // [T, d/2]
            Tensor full = cat([angles, angles], -1); // [T, d]
            cos_table = full.cos().to_type(ScalarType.Float32);
            sin_table = full.sin().to_type(ScalarType.Float32);
        }

        RegisterComponents(); // buffers, not parameters: they move with the module but are not trained
    }

    /// <summary>Rotates <paramref name="x"/> of shape [B, heads, T, d].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long t = x.shape[2];
        long half = x.shape[3] / 2;
        Tensor cos = cos_table[..(int)t];
        Tensor sin = sin_table[..(int)t];
        Tensor x1 = x[.., .., .., ..(int)half];
        Tensor x2 = x[.., .., .., (int)half..];
        Tensor rotated = cat([-x2, x1], -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }
}

/// <summary>Causal multi-head self-attention with rotary positions.</summary>
public sealed class Attention : Module<Tensor, Tensor>
{
    private readonly Linear wq, wk, wv, wo;
    private readonly Rotary rotary;
    private readonly int _heads;

    /// <summary>Creates the attention of one block.</summary>
    public Attention(LlamaConfig c) : base(nameof(Attention))
    {
        wq = Linear(c.Hidden, c.Hidden, hasBias: false);
        wk = Linear(c.Hidden, c.Hidden, hasBias: false);
        wv = Linear(c.Hidden, c.Hidden, hasBias: false);
        wo = Linear(c.Hidden, c.Hidden, hasBias: false);
        rotary = new Rotary(c.HeadSize, c.MaxContext, c.RopeTheta);
        _heads = c.Heads;
        RegisterComponents();
    }

    /// <summary>The output projection (its initial scale is reduced for depth).</summary>
    internal Linear Output => wo;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1], h = x.shape[2];
        Tensor Split(Tensor y) => y.view(b, t, _heads, h / _heads).transpose(1, 2); // [B, heads, T, d]
        Tensor q = rotary.forward(Split(wq.forward(x)));
        Tensor k = rotary.forward(Split(wk.forward(x)));
        Tensor v = Split(wv.forward(x));
        Tensor y = functional.scaled_dot_product_attention(q, k, v, null, 0.0, true);
        return wo.forward(y.transpose(1, 2).contiguous().view(b, t, h)).MoveToOuterDisposeScope();
    }
}

/// <summary>SwiGLU MLP: down(silu(gate(x)) ⊙ up(x)).</summary>
public sealed class SwiGlu : Module<Tensor, Tensor>
{
    private readonly Linear gate, up, down;

    /// <summary>Creates the MLP of one block.</summary>
    public SwiGlu(LlamaConfig c) : base(nameof(SwiGlu))
    {
        gate = Linear(c.Hidden, c.Ffn, hasBias: false);
        up = Linear(c.Hidden, c.Ffn, hasBias: false);
        down = Linear(c.Ffn, c.Hidden, hasBias: false);
        RegisterComponents();
    }

    /// <summary>The output projection (its initial scale is reduced for depth).</summary>
    internal Linear Output => down;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return down.forward(functional.silu(gate.forward(x)) * up.forward(x)).MoveToOuterDisposeScope();
    }
}

/// <summary>One pre-norm transformer block.</summary>
public sealed class Block : Module<Tensor, Tensor>
{
    private readonly RmsNorm attention_norm, mlp_norm;
    private readonly Attention attention;
    private readonly SwiGlu mlp;

    /// <summary>Creates a block.</summary>
    public Block(LlamaConfig c) : base(nameof(Block))
    {
        attention_norm = new RmsNorm(c.Hidden, c.NormEps);
        attention = new Attention(c);
        mlp_norm = new RmsNorm(c.Hidden, c.NormEps);
        mlp = new SwiGlu(c);
        RegisterComponents();
    }

    internal IEnumerable<Linear> OutputProjections => [attention.Output, mlp.Output];

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor h = x + attention.forward(attention_norm.forward(x));
        return (h + mlp.forward(mlp_norm.forward(h))).MoveToOuterDisposeScope();
    }
}

/// <summary>The decoder: token ids [B, T] → logits [B, T, V].</summary>
public sealed class Llama : Module<Tensor, Tensor>
{
    private readonly Embedding embedding;
    private readonly ModuleList<Block> blocks;
    private readonly RmsNorm norm;
    private readonly Linear? head;

    /// <summary>
    /// Creates the model with weights drawn from <paramref name="generator"/> (normal, std <see cref="LlamaConfig.InitStd"/>;
    /// the attention and MLP output projections with std/√(2L); norms at one), so a seed fixes the initial weights.
    /// </summary>
    public Llama(LlamaConfig config, Generator generator) : base(nameof(Llama))
    {
        config.Validate();
        Config = config;
        embedding = Embedding(config.VocabularySize, config.Hidden);
        blocks = new ModuleList<Block>([.. Enumerable.Range(0, config.Layers).Select(_ => new Block(config))]);
        norm = new RmsNorm(config.Hidden, config.NormEps);
        head = config.TiedEmbeddings ? null : Linear(config.Hidden, config.VocabularySize, hasBias: false);
        RegisterComponents();

        using (no_grad())
        {
            var residual = new HashSet<IntPtr>(blocks.SelectMany(b => b.OutputProjections).Select(l => l.weight!.Handle));
            foreach ((string name, Parameter p) in named_parameters())
            {
                if (p.dim() < 2)
                {
                    continue; // RMSNorm gains stay at one
                }

                double std = residual.Contains(p.Handle) ? config.InitStd / Math.Sqrt(2.0 * config.Layers) : config.InitStd;
                p.normal_(0.0, std, generator);
            }
        }
    }

    /// <summary>The shape.</summary>
    public LlamaConfig Config { get; }

    /// <summary>Number of trainable weights, counted on the module.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <inheritdoc />
    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        Tensor x = embedding.forward(tokens);
        foreach (Block block in blocks)
        {
            x = block.forward(x);
        }

        x = norm.forward(x);
        Tensor logits = head is null ? functional.linear(x, embedding.weight!) : head.forward(x);
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>Mean next-token cross-entropy (nats per token) of <paramref name="tokens"/> against <paramref name="targets"/>, both [B, T].</summary>
    public Tensor Loss(Tensor tokens, Tensor targets)
    {
        using var scope = NewDisposeScope();
        Tensor logits = forward(tokens);
        long v = logits.shape[^1];
        return functional.cross_entropy(logits.view(-1, v), targets.view(-1)).MoveToOuterDisposeScope();
    }
}
