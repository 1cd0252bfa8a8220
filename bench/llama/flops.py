#!/usr/bin/env python3
"""flops.py -- the analytical limit of the embedded LLM: FLOPs per answer from the GGUF's shape, against the cores' peak.

Reads the model's metadata and tensor table from the GGUF file itself (standard library only),
counts the multiply-adds of one token through the network (every weight matrix once: attention
projections, FFN, and the output projection over the whole vocabulary; the token-embedding
lookup is a row copy and costs nothing) plus attention over the tokens before it, and sums that
over an answer: P prompt tokens (prefill) and G generated tokens (decode). Then divides the
cores' fp32 peak (FMA pipes x SIMD lanes x 2 x clock, from /proc/cpuinfo, or --peak-gflops
per core, e.g. measured by bench_fma_peak, bench/llama/peak.c) by it: the most answers/s this CPU could give.

usage: bench/llama/flops.py [--model GGUF] [--prompt-tokens P] [--gen-tokens G] [--cached-prefix C]
                            [--peak-gflops X] [--json]
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys

# GGUF value types
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


class Reader:
    def __init__(self, f):
        self.f = f

    def unpack(self, fmt):
        return struct.unpack(fmt, self.f.read(struct.calcsize(fmt)))[0]

    def string(self):
        return self.f.read(self.unpack("<Q")).decode("utf-8", "replace")

    def value(self, t):
        if t in _SCALARS:
            return self.unpack(_SCALARS[t])
        if t == 8:
            return self.string()
        if t == 9:
            et, n = self.unpack("<I"), self.unpack("<Q")
            if et in _SCALARS:  # skip numeric arrays in one read, keep only their length
                self.f.seek(n * struct.calcsize(_SCALARS[et]), os.SEEK_CUR)
                return ("array", n)
            for _ in range(n):
                self.value(et)
            return ("array", n)
        raise ValueError(f"unknown GGUF value type {t}")


def read_gguf(path):
    """(metadata dict, {tensor name: shape}) of a GGUF v2/v3 file."""
    with open(path, "rb") as f:
        r = Reader(f)
        if f.read(4) != b"GGUF":
            sys.exit(f"{path}: not a GGUF file")
        version = r.unpack("<I")
        if version < 2:
            sys.exit(f"{path}: GGUF version {version} is not supported")
        ntensors, nkv = r.unpack("<Q"), r.unpack("<Q")
        meta = {}
        for _ in range(nkv):
            k = r.string()
            meta[k] = r.value(r.unpack("<I"))
        tensors = {}
        for _ in range(ntensors):
            name = r.string()
            dims = [r.unpack("<Q") for _ in range(r.unpack("<I"))]
            r.unpack("<I")  # ggml type
            r.unpack("<Q")  # offset
            tensors[name] = dims
    return meta, tensors


def shape(meta, tensors):
    arch = meta["general.architecture"]
    g = lambda k, d=None: meta.get(f"{arch}.{k}", d)
    n_layer, width = g("block_count"), g("embedding_length")
    heads, kv_heads = g("attention.head_count"), g("attention.head_count_kv", g("attention.head_count"))
    head_dim = g("attention.key_length", width // heads)
    tok = tensors["token_embd.weight"]  # [width, vocab] in GGUF order
    return {
        "architecture": arch, "name": meta.get("general.name", "?"), "layers": n_layer, "width": width,
        "heads": heads, "kv_heads": kv_heads, "head_dim": head_dim, "ffn": g("feed_forward_length"),
        "vocab": tok[1], "context": g("context_length"), "sliding_window": g("attention.sliding_window"),
        "output_tied": "output.weight" not in tensors,
    }


def matmul_params(tensors, s):
    """Multiply-adds per token of every weight matrix (2-D tensors except the embedding lookup)."""
    per = {"attention (q, k, v, o)": 0, "ffn (gate, up, down)": 0, "other": 0}
    for name, dims in tensors.items():
        if len(dims) != 2 or name == "token_embd.weight" or name == "output.weight":
            continue
        n = dims[0] * dims[1]
        if re.search(r"\.attn_(q|k|v|output)\.weight$", name):
            per["attention (q, k, v, o)"] += n
        elif re.search(r"\.ffn_(gate|up|down)\.weight$", name):
            per["ffn (gate, up, down)"] += n
        else:
            per["other"] += n
    out = tensors.get("output.weight", tensors["token_embd.weight"])
    per["output projection (vocab x width)"] = out[0] * out[1]
    return per


def attn_flops(s, pos):
    """Score and weighted-sum FLOPs of one token attending to the pos + 1 tokens up to itself."""
    ctx = pos + 1  # every layer attends to all of them: exact under the sliding window, an upper bound beyond
    return s["layers"] * s["heads"] * s["head_dim"] * ctx * 2 * 2  # QK^T and PV, 2 FLOPs per multiply-add


def cpu_peak():
    """(cores, GHz, FLOPs per cycle per core, description) from /proc/cpuinfo (x86)."""
    txt = open("/proc/cpuinfo").read()
    flags = set(re.search(r"^flags\s*:\s*(.*)$", txt, re.M).group(1).split())
    mhz = float(re.search(r"^cpu MHz\s*:\s*([\d.]+)", txt, re.M).group(1))
    model = re.search(r"^model name\s*:\s*(.*)$", txt, re.M).group(1).strip()
    family = int(re.search(r"^cpu family\s*:\s*(\d+)", txt, re.M).group(1))
    vendor = re.search(r"^vendor_id\s*:\s*(\S+)", txt, re.M).group(1)
    cores = os.cpu_count()
    if "avx512f" in flags and not (vendor == "AuthenticAMD" and family == 25):
        lanes, how = 16, "AVX-512: 2 FMA pipes x 16 fp32 lanes x 2"
    elif "avx512f" in flags:  # AMD Zen 4 (family 25): AVX-512 runs on two 256-bit FMA pipes
        lanes, how = 8, "Zen 4 (AVX-512 double-pumped on 256-bit units): 2 FMA pipes x 8 fp32 lanes x 2"
    elif "fma" in flags and "avx2" in flags:
        lanes, how = 8, "AVX2: 2 FMA pipes x 8 fp32 lanes x 2"
    else:
        lanes, how = 4, "SSE: 2 pipes x 4 lanes x 2 (assumed)"
    return cores, mhz / 1000, 2 * lanes * 2, f"{model}, {how}, {mhz:.0f} MHz as reported"


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="GGUF file (default: infra/llama/model.sh's)")
    ap.add_argument("--prompt-tokens", type=int, default=120, help="prompt tokens per answer (P)")
    ap.add_argument("--gen-tokens", type=int, default=24, help="generated tokens per answer (G)")
    ap.add_argument("--cached-prefix", type=int, default=0,
                    help="prompt tokens whose KV is reused from an earlier request (not recomputed)")
    ap.add_argument("--peak-gflops", type=float, help="fp32 peak of one core in GFLOP/s (default: from the flags and clock)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    model = a.model or subprocess.run([os.path.join(root, "infra/llama/model.sh")], check=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode().strip()
    meta, tensors = read_gguf(model)
    s = shape(meta, tensors)
    per = matmul_params(tensors, s)
    mac = sum(per.values())
    P, G, C = a.prompt_tokens, a.gen_tokens, min(a.cached_prefix, a.prompt_tokens)
    prefill = sum(2 * mac + attn_flops(s, p) for p in range(C, P))
    # the last prompt token's logits give the first generated token; each further token is one step
    decode = sum(2 * mac + attn_flops(s, P + t) for t in range(G - 1)) if G > 0 else 0
    prefill_no_head = prefill - (P - C - 1) * 2 * per["output projection (vocab x width)"] if P > C else prefill
    cores, ghz, fpc, how = cpu_peak()
    peak_core = a.peak_gflops if a.peak_gflops else ghz * fpc
    peak = peak_core * cores
    total = prefill_no_head + decode
    weight_bytes = os.path.getsize(model)
    res = {
        "model": os.path.basename(model), "shape": s,
        "multiply_adds_per_token": per, "flops_per_token_weights": 2 * mac,
        "prompt_tokens": P, "cached_prefix_tokens": C, "generated_tokens": G,
        "flops_prompt": prefill, "flops_prompt_logits_of_last_only": prefill_no_head, "flops_generated": decode,
        "flops_per_answer": total,
        "cpu": how, "cores": cores, "peak_gflops_per_core": round(peak_core, 1),
        "peak_source": "--peak-gflops" if a.peak_gflops else "flags x clock",
        "ceiling_answers_per_s": round(peak * 1e9 / total, 1),
        "ceiling_generated_tokens_per_s": round(peak * 1e9 / (2 * mac + attn_flops(s, P)), 1),
        "weight_bytes_per_decode_step": weight_bytes,
    }
    if a.json:
        print(json.dumps(res))
        return
    print(f"model {res['model']}: {s['name']} ({s['architecture']}), {s['layers']} layers, width {s['width']}, "
          f"{s['heads']} heads x {s['head_dim']} (kv heads {s['kv_heads']}), FFN {s['ffn']}, vocabulary {s['vocab']}, "
          f"sliding window {s['sliding_window']}, output projection {'tied to the embedding' if s['output_tied'] else 'own'}")
    for k, v in per.items():
        print(f"  {k:38s} {v / 1e6:8.2f} M multiply-adds per token")
    print(f"  {'all weights':38s} {mac / 1e6:8.2f} M multiply-adds = {2 * mac / 1e6:.1f} MFLOP per token "
          f"(+ attention: {attn_flops(s, P) / 1e6:.2f} MFLOP at position {P})")
    print(f"per answer (P={P} prompt tokens, {C} of them reused from the cache, G={G} generated):")
    print(f"  prompt    {prefill_no_head / 1e9:7.3f} GFLOP (vocabulary logits only for the last prompt token; "
          f"{prefill / 1e9:.3f} with logits for every prompt token)")
    print(f"  generated {decode / 1e9:7.3f} GFLOP")
    print(f"  total     {total / 1e9:7.3f} GFLOP")
    print(f"cpu: {cores} cores, {how}: {peak_core:.1f} GFLOP/s per core ({res['peak_source']}), {peak:.1f} GFLOP/s in all")
    print(f"memory: a decode step reads every weight once (the output projection is the whole embedding "
          f"matrix): about {weight_bytes / 1e6:.0f} MB (the file), shared by all slots decoding in that step")
    print(f"ceiling at 100% of the fp32 peak: {res['ceiling_answers_per_s']} answers/s, "
          f"{res['ceiling_generated_tokens_per_s']} generated tokens/s")


if __name__ == "__main__":
    main()
