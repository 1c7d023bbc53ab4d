using Loco.Core.Family;
using Loco.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Loco.Torch.Models;

// A LLaMA-style decoder in one file, in the spirit of nanoGPT:
//   tokens → embedding → L × [x + Attention(RMSNorm(x)); x + SwiGLU(RMSNorm(x))] → RMSNorm → logits.
// Attention is causal multi-head attention with rotary position embeddings (RoPE, rotate-half form),
// computed by TorchSharp's fused scaled_dot_product_attention. No biases anywhere, no dropout.
// Mixed precision (Llama.Precision) follows PyTorch's autocast: matrix products and attention run in bf16 or fp16 on
// casts of the fp32 weights; the embedding, the norms, the residual stream and the loss stay fp32.

/// <summary>
/// Matrix products in a lower precision on the fp32 weights, as PyTorch's autocast does for <c>linear</c>: the input and
/// the weight are cast, the product comes out in the compute type, and autograd carries the gradient back through the
/// cast into the fp32 weight.
/// </summary>
internal static class Autocast
{
    /// <summary><paramref name="layer"/> applied to <paramref name="x"/> in <paramref name="compute"/> (fp32: the layer itself, bit for bit as before).</summary>
    public static Tensor Linear(Linear layer, Tensor x, ScalarType compute) =>
        compute == ScalarType.Float32 ? layer.forward(x) : functional.linear(x.to_type(compute), layer.weight!.to_type(compute));

    /// <summary>x Wᵀ in <paramref name="compute"/>.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, ScalarType compute) =>
        compute == ScalarType.Float32 ? functional.linear(x, weight) : functional.linear(x.to_type(compute), weight.to_type(compute));
}

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
        if (x.dtype != cos.dtype)
        {
            cos = cos.to_type(x.dtype);
            sin = sin.to_type(x.dtype);
        }

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

    /// <summary>The type the projections and the attention run in (fp32, bf16 or fp16).</summary>
    internal ScalarType Compute { get; set; } = ScalarType.Float32;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1], h = x.shape[2];
        Tensor Split(Tensor y) => y.view(b, t, _heads, h / _heads).transpose(1, 2); // [B, heads, T, d]
        Tensor q = rotary.forward(Split(Autocast.Linear(wq, x, Compute)));
        Tensor k = rotary.forward(Split(Autocast.Linear(wk, x, Compute)));
        Tensor v = Split(Autocast.Linear(wv, x, Compute));
        Tensor y = functional.scaled_dot_product_attention(q, k, v, null, 0.0, true);
        return Autocast.Linear(wo, y.transpose(1, 2).contiguous().view(b, t, h), Compute).MoveToOuterDisposeScope();
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

    /// <summary>The type the projections run in (fp32, bf16 or fp16).</summary>
    internal ScalarType Compute { get; set; } = ScalarType.Float32;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor hidden = functional.silu(Autocast.Linear(gate, x, Compute)) * Autocast.Linear(up, x, Compute);
        return Autocast.Linear(down, hidden, Compute).MoveToOuterDisposeScope();
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

    /// <summary>The type the block's matrix products run in.</summary>
    internal ScalarType Compute
    {
        set
        {
            attention.Compute = value;
            mlp.Compute = value;
        }
    }

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

    /// <summary>
    /// The precision of the forward and backward pass (default fp32): with bf16 or fp16 every matrix product and the
    /// attention run on casts of the fp32 weights, while the embedding, the norms, the residual stream, the logits'
    /// softmax and the loss stay fp32 (PyTorch autocast's policy). The weights and their gradients remain fp32.
    /// </summary>
    public Precision Precision
    {
        get => _precision;
        set
        {
            _precision = value;
            foreach (Block block in blocks)
            {
                block.Compute = value.ComputeType();
            }
        }
    }

    private Precision _precision = Precision.Fp32;

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
        ScalarType compute = _precision.ComputeType();
        Tensor logits = head is null ? Autocast.Linear(x, embedding.weight!, compute) : Autocast.Linear(head, x, compute);
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>Mean next-token cross-entropy (nats per token) of <paramref name="tokens"/> against <paramref name="targets"/>, both [B, T].</summary>
    public Tensor Loss(Tensor tokens, Tensor targets)
    {
        using var scope = NewDisposeScope();
        Tensor logits = forward(tokens);
        if (logits.dtype != ScalarType.Float32)
        {
            logits = logits.to_type(ScalarType.Float32); // the softmax and the loss in fp32, as under autocast
        }

        long v = logits.shape[^1];
        return functional.cross_entropy(logits.view(-1, v), targets.view(-1)).MoveToOuterDisposeScope();
    }
}
