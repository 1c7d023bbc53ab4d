#!/usr/bin/env bash
# What compression costs the language model: `loco train` on its defaults (tiny, DiLoCo M = 2, H = 20, 360 steps)
# with each codec, with and without error feedback, and with P streaming fragments (FRAGMENTS, default "1"), over SEEDS
# seeds; prints the final validation loss (mean ± s.e. over seeds), its difference from fp32 with one fragment (paired
# by seed), and the bytes one worker sends per round and per synchronisation.
#
#   bench/codec-lm.sh                  (run from the checkout's root; OUT, default loco-out/codec-lm; SEEDS, default "1 2 3")
#   CODECS="fp32;bf16;int8;int4 --error-feedback" FRAGMENTS="1 4" bench/codec-lm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-loco-out/codec-lm}
SEEDS=${SEEDS:-"1 2 3"}
EXTRA=${EXTRA:-}
FRAGMENTS=${FRAGMENTS:-1}
if [ -z "${LOCO:-}" ]; then
  dotnet build src/Loco.Cli -c Release -v q -nologo >/dev/null
  LOCO="dotnet $PWD/src/Loco.Cli/bin/Release/net10.0/loco.dll"
fi
mkdir -p "$OUT"
if [ -n "${CODECS:-}" ]; then
  IFS=';' read -r -a codecs <<< "$CODECS"
else
  codecs=("fp32" "bf16" "fp16" "int8" "int8 --error-feedback" "int4" "int4 --error-feedback" "int4 --stochastic-rounding" "int4 --stochastic-rounding --error-feedback")
fi
# fp32 with one fragment is the reference of every row.
[[ " ${codecs[*]} " == *" fp32 "* ]] || codecs=("fp32" "${codecs[@]}")
for p in $FRAGMENTS; do
  for codec in "${codecs[@]}"; do
    for seed in $SEEDS; do
      suffix=""; frag=()
      if [ "$p" != 1 ]; then suffix="-p$p"; frag=(--fragments "$p"); fi
      name=$(echo "$codec" | tr -d ' -' )$suffix-s$seed
      [ -f "$OUT/$name/train.csv" ] && continue
      $LOCO train --seed "$seed" --compress $codec "${frag[@]}" $EXTRA --out "$OUT/$name" --overwrite > "$OUT/$name.log" 2>&1
    done
  done
done
# fp32 with one fragment is the baseline, so it must exist even when FRAGMENTS leaves 1 out.
for seed in $SEEDS; do
  [ -f "$OUT/fp32-s$seed/train.csv" ] || $LOCO train --seed "$seed" --compress fp32 $EXTRA --out "$OUT/fp32-s$seed" --overwrite > "$OUT/fp32-s$seed.log" 2>&1
done
python3 - "$OUT" "$SEEDS" "$FRAGMENTS" "${codecs[@]}" <<'PY'
import csv, math, sys
out, seeds, fragments, codecs = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4:]
def final(name):
    rows = list(csv.DictReader(open(f"{out}/{name}/train.csv")))
    return float(rows[-1]["val_loss"]), int(rows[-1]["bytes_sent"])
base = {s: final(f"fp32-s{s}")[0] for s in seeds}
print("| codec | P | final validation loss (mean ± s.e.) | − fp32, P = 1 (paired, mean ± s.e.) | bytes per worker per round | per sync | × fewer than fp32 |")
print("|---|---:|---:|---:|---:|---:|---:|")
fp32_bytes = final(f"fp32-s{seeds[0]}")[1]
for p, codec in [(p, c) for p in fragments for c in codecs]:
    tag = codec.replace(" ", "").replace("-", "") + ("" if p == "1" else f"-p{p}")
    vals = [final(f"{tag}-s{s}") for s in seeds]
    losses = [v[0] for v in vals]
    diffs = [v[0] - base[s] for v, s in zip(vals, seeds)]
    def ms(xs):
        m = sum(xs) / len(xs)
        se = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs)) if len(xs) > 1 else float("nan")
        return m, se
    m, se = ms(losses); dm, dse = ms(diffs)
    print(f"| {codec} | {p} | {m:.4f} ± {se:.4f} | {dm:+.4f} ± {dse:.4f} | {vals[0][1]:,} | {vals[0][1] // int(p):,} | {fp32_bytes / vals[0][1]:.2f} |")
PY
