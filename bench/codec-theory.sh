#!/usr/bin/env bash
# The theory's codec term against the simulator running the real codec: for each codec and three settings, the cost
# in final risk that `loco theory --compress` predicts, and the simulated cost as a paired difference over RUNS runs
# (common random numbers: the same seed and data with and without the codec), with z = (predicted − simulated)/s.e.
#
#   bench/codec-theory.sh              (run from the checkout's root; RUNS, default 400; ROUNDS, default 40; D, default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-400}
ROUNDS=${ROUNDS:-40}
D=${D:-200}
if [ -z "${LOCO:-}" ]; then
  dotnet build src/Loco.Cli -c Release -v q -nologo >/dev/null
  LOCO="dotnet $PWD/src/Loco.Cli/bin/Release/net10.0/loco.dll"
fi
settings=("--preset la --noise 0.001 --batch 256"
          "--preset sla --noise 0.001 --batch 256 --workers 2"
          "--preset sla --noise 0.3 --batch 64 --workers 2 --outer-momentum 0.8")
codecs=("int4:64 --stochastic-rounding" "int8:64 --stochastic-rounding" "bf16 --stochastic-rounding" "fp16 --stochastic-rounding"
        "int4:64" "int8:64")
echo "| codec | setting | predicted cost | simulated cost (paired ± s.e.) | z |"
echo "|---|---|---:|---:|---:|"
for codec in "${codecs[@]}"; do
  for set in "${settings[@]}"; do
    line=$($LOCO theory $set --dim "$D" --rounds "$ROUNDS" --threads 1 --compress $codec --compare-simulation "$RUNS" | grep '^codec ')
    python3 - "$codec" "$set" "$line" <<'PY'
import re, sys
codec, setting, line = sys.argv[1:]
pred = re.search(r"predicted cost ([-+0-9.E]+)", line).group(1)
m = re.search(r"simulated ([-+0-9.E]+) ± ([0-9.E+-]+) .* z = ([-+0-9.]+)", line)
print(f"| {codec} | `{setting}` | {float(pred):.3g} | {float(m.group(1)):.3g} ± {float(m.group(2)):.2g} | {m.group(3)} |")
PY
  done
done
