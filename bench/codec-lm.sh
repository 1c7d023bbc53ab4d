#!/usr/bin/env bash
# What compression costs the language model: `loco train` on its defaults (tiny, DiLoCo M = 2, H = 20, 360 steps)
# with each codec, with and without error feedback, over SEEDS seeds; prints the final validation loss (mean ± s.e.
# over seeds), its difference from fp32 (paired by seed), and the bytes one worker sends per round.
#
#   bench/codec-lm.sh                  (run from the checkout's root; OUT, default loco-out/codec-lm; SEEDS, default "1 2 3")
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-loco-out/codec-lm}
SEEDS=${SEEDS:-"1 2 3"}
EXTRA=${EXTRA:-}
if [ -z "${LOCO:-}" ]; then
  dotnet build src/Loco.Cli -c Release -v q -nologo >/dev/null
  LOCO="dotnet $PWD/src/Loco.Cli/bin/Release/net10.0/loco.dll"
fi
mkdir -p "$OUT"
codecs=("fp32" "bf16" "fp16" "int8" "int8 --error-feedback" "int4" "int4 --error-feedback" "int4 --stochastic-rounding" "int4 --stochastic-rounding --error-feedback")
for codec in "${codecs[@]}"; do
  for seed in $SEEDS; do
    name=$(echo "$codec" | tr -d ' -' )-s$seed
    [ -f "$OUT/$name/train.csv" ] && continue
    $LOCO train --seed "$seed" --compress $codec $EXTRA --out "$OUT/$name" --overwrite > "$OUT/$name.log" 2>&1
  done
done
python3 - "$OUT" "$SEEDS" "${codecs[@]}" <<'PY'
import csv, math, sys
out, seeds, codecs = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
def final(name):
    rows = list(csv.DictReader(open(f"{out}/{name}/train.csv")))
    return float(rows[-1]["val_loss"]), int(rows[-1]["bytes_sent"])
base = {s: final(f"fp32-s{s}")[0] for s in seeds}
print("| codec | final validation loss (mean ± s.e.) | − fp32 (paired, mean ± s.e.) | bytes per worker per round | × fewer than fp32 |")
print("|---|---:|---:|---:|---:|")
fp32_bytes = final(f"fp32-s{seeds[0]}")[1]
for codec in codecs:
    tag = codec.replace(" ", "").replace("-", "")
    vals = [final(f"{tag}-s{s}") for s in seeds]
    losses = [v[0] for v in vals]
    diffs = [v[0] - base[s] for v, s in zip(vals, seeds)]
    def ms(xs):
        m = sum(xs) / len(xs)
        se = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs)) if len(xs) > 1 else float("nan")
        return m, se
    m, se = ms(losses); dm, dse = ms(diffs)
    print(f"| {codec} | {m:.4f} ± {se:.4f} | {dm:+.4f} ± {dse:.4f} | {vals[0][1]:,} | {fp32_bytes / vals[0][1]:.2f} |")
PY
