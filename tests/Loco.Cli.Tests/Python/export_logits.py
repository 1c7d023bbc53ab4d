"""Loads a `loco export` file into the PyTorch reference model (bench/reference/llama_diloco.py) and writes its logits.

Usage: python3 export_logits.py REFERENCE_PY MODEL.safetensors TOKENS.bin LOGITS.bin
TOKENS.bin: int64 token ids, shape [B, T] with B, T in the first two int64s; LOGITS.bin: float32 logits [B, T, V].
The safetensors file is read with the standard library and NumPy (the format: an 8-byte little-endian header length,
a JSON header of name -> dtype, shape, data offsets, then the raw data), so no safetensors package is needed.
"""
import importlib.util
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        start, end = info["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(body[start:end], dtype="<f4").copy().reshape(info["shape"]))
    return tensors


def main():
    reference, weights, tokens_path, out = sys.argv[1:5]
    spec = importlib.util.spec_from_file_location("llama_diloco", reference)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    with open(weights[: -len(".safetensors")] + ".json") as f:
        c = json.load(f)
    with open(tokens_path, "rb") as f:
        raw = f.read()
    b, t = struct.unpack("<qq", raw[:16])
    tokens = torch.from_numpy(np.frombuffer(raw[16:], dtype="<i8").copy().reshape(b, t))
    model = ref.Llama(c["vocab"], c["hidden"], c["layers"], c["heads"], c["ffn"], max(c["max_context"], t), eps=c["norm_eps"])
    missing, unexpected = model.load_state_dict(read_safetensors(weights), strict=False)
    # Only the rotary tables (buffers the reference computes) may be missing; every weight must be there.
    assert all(k.endswith(("cos_table", "sin_table")) for k in missing), missing
    assert not unexpected, unexpected
    model.eval()
    with torch.no_grad():
        x = model.embedding(tokens)
        for block in model.blocks:
            x = block(x)
        logits = F.linear(model.norm(x), model.embedding.weight)
    with open(out, "wb") as f:
        f.write(logits.numpy().astype("<f4").tobytes())
    print(f"torch {torch.__version__}: logits {tuple(logits.shape)}")


if __name__ == "__main__":
    main()
