#!/usr/bin/env bash
# Races `loco train --device cuda` (DiLoCo, M = 2, inner AdamW, outer Nesterov) against the same model and step in
# PyTorch (bench/reference/llama_diloco.py), one after the other in this command on the same GPU, and prints the
# tokens-per-second ratio Loco / PyTorch per model. Rates are taken between the ends of round 1 and round N − 1 of each
# run (round 1 warms up; Loco's last round also computes the final validation loss).
#
#   bench/gpu-race.sh [small] [150m] ...        (run from the checkout's root)
#
# LOCO names the loco command (default: dotnet run --project src/Loco.Cli -c Release --); on the GPU machine of this
# workplace: LOCO="dotnet .gpu/app/Loco.Cli.dll" after `source .gpu/env.sh`. OUT (default: loco-out/gpu-race) receives
# the CSVs. REPS (default 1) repeats each pair, alternating which side runs first.
set -euo pipefail
LOCO=${LOCO:-"dotnet run --project src/Loco.Cli -c Release --"}
OUT=${OUT:-loco-out/gpu-race}
REPS=${REPS:-1}
mkdir -p "$OUT"
models=("$@"); [ ${#models[@]} -gt 0 ] || models=(small 150m)
rate() { # csv → tokens/s between the ends of round 1 and round N-1
  python3 - "$1" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if int(r["round"]) >= 1]
a, b = rows[0], rows[-2]
print((int(b["tokens"]) - int(a["tokens"])) / (float(b["seconds"]) - float(a["seconds"])))
PY
}
for model in "${models[@]}"; do
  case $model in
    tiny)  T=256 B=32 H=50 S=300 ;;
    small) T=256 B=32 H=50 S=300 ;;
    150m)  T=512 B=16 H=50 S=250 ;;
    *) echo "unknown model $model" >&2; exit 2 ;;
  esac
  for rep in $(seq 1 "$REPS"); do
    run_loco() {
      $LOCO train --model "$model" --device cuda --context $T --batch $B --inner-steps $H --steps $S --workers 2 \
        --eval-every 0 --out "$OUT/loco-$model-$rep" | tail -n 20
    }
    run_torch() {
      python3 bench/reference/llama_diloco.py --model "$model" --context $T --batch $B --inner-steps $H --steps $S \
        --workers 2 --csv "$OUT/pytorch-$model-$rep.csv" | tail -n 3
    }
    if [ $((rep % 2)) -eq 1 ]; then run_loco; run_torch; else run_torch; run_loco; fi
    l=$(rate "$OUT/loco-$model-$rep/train.csv"); p=$(rate "$OUT/pytorch-$model-$rep.csv")
    python3 -c "l,p=$l,$p; print(f'RACE {\"$model\"} rep $rep: loco {l:,.0f} tok/s, pytorch {p:,.0f} tok/s, ratio {l/p:.3f}')" | tee -a "$OUT/race.txt"
  done
done
