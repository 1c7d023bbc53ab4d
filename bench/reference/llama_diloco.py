"""The reference that `loco train --device cuda` races: the same LLaMA-style model and the same DiLoCo step, written in PyTorch.

Model (as src/Loco.Torch/Models/Llama.cs): token embedding → L × [x + Attention(RMSNorm(x)); x + SwiGLU(RMSNorm(x))]
→ RMSNorm → logits through the tied embedding. Attention: causal, rotary positions (rotate-half), fused
scaled_dot_product_attention. No biases, no dropout. Init: normal(0, 0.02), residual output projections 0.02/√(2L).

Step (as src/Loco.Torch/Training): M workers, each its own model copy and AdamW (β = 0.9, 0.95, eps 1e-8; PyTorch's
default implementation, which is the multi-tensor `foreach` one on CUDA), run one after another on the same GPU for H
inner steps (linear warmup then cosine decay of the learning rate to 10%, gradient-norm clip 1, the loss read back
every step to stop on a non-finite value, as Loco does); then the outer Nesterov step (PyTorch form,
v ← βv + Δ; s ← s − α(Δ + βv), Δ = s − mean_m f_m) on flat fp32 vectors kept on the GPU.

Throughput is measured as Loco's train.csv records it: tokens and wall-clock seconds at the end of each round (after a
CUDA synchronisation). bench/gpu-race.sh takes the rate between the ends of round 1 and round N − 1 on both sides
(round 1 warms up; Loco's round N also holds the final validation).

Usage: python3 llama_diloco.py --model small|150m --vocab 256 --context 256 --batch 32 --inner-steps 50 --steps 300
"""
import argparse
import contextlib
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {  # hidden, layers, heads, ffn (as LlamaConfig.Preset)
    "tiny": (128, 4, 4, 384),
    "small": (384, 6, 6, 1024),
    "150m": (1024, 12, 16, 4096),
}


class RmsNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        scale = x.pow(2).mean(-1, keepdim=True).add_(self.eps).rsqrt_()
        return x * scale * self.weight


class Rotary(nn.Module):
    def __init__(self, head_size, max_context, theta=10_000.0):
        super().__init__()
        inverse = (theta ** (torch.arange(0, head_size, 2, dtype=torch.float64) / head_size)).reciprocal()
        angles = torch.outer(torch.arange(max_context, dtype=torch.float64), inverse)
        full = torch.cat([angles, angles], -1)
        self.register_buffer("cos_table", full.cos().float())
        self.register_buffer("sin_table", full.sin().float())

    def forward(self, x):
        t, half = x.shape[2], x.shape[3] // 2
        x1, x2 = x[..., :half], x[..., half:]
        rotated = torch.cat([-x2, x1], -1)
        return x * self.cos_table[:t] + rotated * self.sin_table[:t]


def attend(q, k, v):
    """Causal attention: PyTorch's fused kernel (2.0 and later); written out on older versions (only for checking here)."""
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, None, 0.0, True)
    t = q.shape[-2]
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(torch.ones(t, t, dtype=torch.bool, device=q.device).triu(1), float("-inf"))
    return scores.softmax(-1) @ v


class Attention(nn.Module):
    def __init__(self, hidden, heads, max_context):
        super().__init__()
        self.wq = nn.Linear(hidden, hidden, bias=False)
        self.wk = nn.Linear(hidden, hidden, bias=False)
        self.wv = nn.Linear(hidden, hidden, bias=False)
        self.wo = nn.Linear(hidden, hidden, bias=False)
        self.rotary = Rotary(hidden // heads, max_context)
        self.heads = heads

    def forward(self, x):
        b, t, h = x.shape
        split = lambda y: y.view(b, t, self.heads, h // self.heads).transpose(1, 2)
        q = self.rotary(split(self.wq(x)))
        k = self.rotary(split(self.wk(x)))
        v = split(self.wv(x))
        y = attend(q, k, v)
        return self.wo(y.transpose(1, 2).contiguous().view(b, t, h))


class SwiGlu(nn.Module):
    def __init__(self, hidden, ffn):
        super().__init__()
        self.gate = nn.Linear(hidden, ffn, bias=False)
        self.up = nn.Linear(hidden, ffn, bias=False)
        self.down = nn.Linear(ffn, hidden, bias=False)

    def forward(self, x):
        return self.down(F.silu(self.gate(x)) * self.up(x))


class Block(nn.Module):
    def __init__(self, hidden, heads, ffn, max_context, eps):
        super().__init__()
        self.attention_norm = RmsNorm(hidden, eps)
        self.attention = Attention(hidden, heads, max_context)
        self.mlp_norm = RmsNorm(hidden, eps)
        self.mlp = SwiGlu(hidden, ffn)

    def forward(self, x):
        h = x + self.attention(self.attention_norm(x))
        return h + self.mlp(self.mlp_norm(h))


class Llama(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, ffn, max_context, eps=1e-5, std=0.02, generator=None):
        super().__init__()
        self.embedding = nn.Embedding(vocab, hidden)
        self.blocks = nn.ModuleList([Block(hidden, heads, ffn, max_context, eps) for _ in range(layers)])
        self.norm = RmsNorm(hidden, eps)
        residual = {id(b.attention.wo.weight) for b in self.blocks} | {id(b.mlp.down.weight) for b in self.blocks}
        with torch.no_grad():
            for p in self.parameters():
                if p.dim() >= 2:
                    p.normal_(0.0, std / math.sqrt(2.0 * layers) if id(p) in residual else std, generator=generator)

    def loss(self, tokens, targets):
        x = self.embedding(tokens)
        for block in self.blocks:
            x = block(x)
        logits = F.linear(self.norm(x), self.embedding.weight)
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


def schedule(peak, warmup, total, min_fraction=0.1):
    def at(step):
        if step < warmup:
            return peak * (step + 1) / warmup
        if total <= warmup + 1:
            return peak * min_fraction
        progress = min(1.0, (step - warmup) / (total - 1 - warmup))
        low = peak * min_fraction
        return low + 0.5 * (peak - low) * (1 + math.cos(math.pi * progress))
    return at


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="small", choices=sorted(PRESETS))
    ap.add_argument("--vocab", type=int, default=256)
    ap.add_argument("--context", type=int, default=256)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--inner-steps", type=int, default=50)
    ap.add_argument("--steps", type=int, default=300, help="inner steps per worker over the run")
    ap.add_argument("--inner-lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--outer-lr", type=float, default=0.7)
    ap.add_argument("--outer-momentum", type=float, default=0.9)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--csv", default=None, help="write round,tokens,seconds,train_loss here")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"],
                    help="bf16: forward and backward under torch.autocast(bfloat16); weights, AdamW state and the outer step stay fp32")
    ap.add_argument("--fused", action="store_true", help="PyTorch's fused AdamW (CUDA)")
    ap.add_argument("--check-every-step", action="store_true",
                    help="read the loss back after every step (the default reads a round's losses once, at its end, as loco train does)")
    a = ap.parse_args()
    device = torch.device(a.device)
    hidden, layers, heads, ffn = PRESETS[a.model]
    rounds = a.steps // a.inner_steps
    warmup = a.warmup if a.warmup is not None else a.steps // 20
    lr_at = schedule(a.inner_lr, warmup, rounds * a.inner_steps)

    torch.manual_seed(a.seed)
    # Data: a fixed random token sequence per worker; rows are windows at uniform offsets (as Loco's BatchSampler).
    shards = [torch.randint(0, a.vocab, (200_000,), generator=torch.Generator().manual_seed(a.seed + m)) for m in range(a.workers)]
    offsets_rng = torch.Generator().manual_seed(a.seed)
    index = torch.arange(a.context + 1)

    def next_batch(m):
        starts = torch.randint(0, shards[m].numel() - a.context - 1, (a.batch, 1), generator=offsets_rng)
        rows = shards[m][starts + index]
        return rows[:, :-1].contiguous().to(device), rows[:, 1:].contiguous().to(device)

    models, optimizers = [], []
    for m in range(a.workers):
        model = Llama(a.vocab, hidden, layers, heads, ffn, a.context, generator=torch.Generator().manual_seed(a.seed)).to(device)
        matrices = [p for p in model.parameters() if p.dim() >= 2]
        others = [p for p in model.parameters() if p.dim() < 2]
        extra = {"fused": True} if a.fused else {}
        optimizers.append(torch.optim.AdamW([{"params": matrices}, {"params": others, "weight_decay": 0.0}],
                                            lr=a.inner_lr, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0, **extra))
        models.append(model)
    params = [list(m.parameters()) for m in models]
    count = sum(p.numel() for p in params[0])
    flat = lambda ps: torch.cat([p.detach().reshape(-1) for p in ps])
    s = flat(params[0])
    v = torch.zeros_like(s)

    def load(ps, vector):
        with torch.no_grad():
            offset = 0
            for p in ps:
                p.copy_(vector[offset:offset + p.numel()].view_as(p))
                offset += p.numel()

    print(f"reference: {a.model} ({count:,} weights), M={a.workers}, H={a.inner_steps}, B={a.batch}, T={a.context}, "
          f"{rounds} rounds, {a.precision}{', fused AdamW' if a.fused else ''}, "
          f"{torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}", flush=True)
    autocast = (lambda: torch.autocast(device_type=device.type, dtype=torch.bfloat16)) if a.precision == "bf16" else contextlib.nullcontext
    step = 0
    tokens = 0
    history = []
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    sync()
    start = time.perf_counter()
    for r in range(1, rounds + 1):
        mean = torch.zeros_like(s)
        last_loss = 0.0
        for m in range(a.workers):
            load(params[m], s)
            opt = optimizers[m]
            losses = []
            for i in range(a.inner_steps):
                for g in opt.param_groups:
                    g["lr"] = lr_at(step + i)
                opt.zero_grad(set_to_none=True)
                x, y = next_batch(m)
                with autocast():
                    loss = models[m].loss(x, y)
                if a.check_every_step and not math.isfinite(loss.item()):
                    sys.exit(f"diverged at round {r}, worker {m}, step {i + 1}")
                losses.append(loss.detach())
                loss.backward()
                if a.clip > 0:
                    torch.nn.utils.clip_grad_norm_(params[m], a.clip)
                opt.step()
            values = torch.stack(losses).float().cpu().tolist()  # one read per worker per round
            bad = [i for i, v in enumerate(values) if not math.isfinite(v)]
            if bad:
                sys.exit(f"diverged at round {r}, worker {m}, step {bad[0] + 1}")
            last_loss = values[-1]
            mean += flat(params[m])
        step += a.inner_steps
        delta = s - mean / a.workers
        v.mul_(a.outer_momentum).add_(delta)
        s.sub_(a.outer_lr * (delta + a.outer_momentum * v))
        sync()
        tokens += a.workers * a.inner_steps * a.batch * a.context
        history.append((r, tokens, time.perf_counter() - start, last_loss))
        print(f"round {r}/{rounds} loss {last_loss:.4f} tokens {tokens} seconds {history[-1][2]:.2f}", flush=True)
    with open(a.csv, "w") if a.csv else open(os.devnull, "w") as out:
        out.write("round,tokens,seconds,train_loss\n")
        for r, t, sec, l in history:
            out.write(f"{r},{t},{sec:.6f},{l}\n")
    peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else 0
    print(json.dumps({"implementation": "pytorch", "model": a.model, "weights": count, "rounds": rounds, "torch": torch.__version__,
                      "precision": a.precision, "peak_gpu_bytes": peak}))


if __name__ == "__main__":
    main()
