#!/usr/bin/env bash
# Races `loco train --device cuda` (DiLoCo, M = 2, inner AdamW, outer Nesterov) against the same model and step in
# PyTorch (bench/reference/llama_diloco.py, with PyTorch's fused AdamW), one after the other in this command on the same
# GPU, in each precision, and prints the tokens-per-second ratio Loco / PyTorch, the GPU memory each used, and (with
# LARGEST=1) the largest batch each fits. Rates are taken between the ends of round 1 and round N − 1 of each run (round 1
# warms up; Loco's last round also computes the final validation loss). Both sides read the losses back once per round.
#
#   bench/gpu-race.sh [small] [150m] ...        (run from the checkout's root)
#
# LOCO names the loco command (default: dotnet run --project src/Loco.Cli -c Release --); on the GPU machine of this
# workplace: LOCO="dotnet .gpu/app/Loco.Cli.dll" after `source .gpu/env.sh`. OUT (default: loco-out/gpu-race) receives
# the CSVs. REPS (default 3) repeats each pair, alternating which side runs first. PRECISIONS (default "fp32 bf16").
set -euo pipefail
LOCO=${LOCO:-"dotnet run --project src/Loco.Cli -c Release --"}
OUT=${OUT:-loco-out/gpu-race}
REPS=${REPS:-3}
PRECISIONS=${PRECISIONS:-"fp32 bf16"}
LARGEST=${LARGEST:-0}
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
# Runs "$@" while sampling the GPU's used memory every 0.2 s; prints the peak in MiB on fd 3.
with_memory() {
  local log; log=$(mktemp)
  ( while true; do nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits 2>/dev/null | head -n 1 >> "$log"; sleep 0.2; done ) &
  local sampler=$!
  local rc=0; "$@" || rc=$?
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  echo "$(sort -n "$log" | tail -n 1)" >&3; rm -f "$log"
  return $rc
}
for model in "${models[@]}"; do
  case $model in
    tiny)  T=256 B=32 H=50 S=300 ;;
    small) T=256 B=32 H=50 S=300 ;;
    150m)  T=512 B=16 H=50 S=250 ;;
    *) echo "unknown model $model" >&2; exit 2 ;;
  esac
  for precision in $PRECISIONS; do
    for rep in $(seq 1 "$REPS"); do
      tag="$model-$precision-$rep"
      run_loco() {
        with_memory $LOCO train --model "$model" --device cuda --precision "$precision" --context $T --batch $B --inner-steps $H --steps $S \
          --workers 2 --eval-every 0 --out "$OUT/loco-$tag" --overwrite 3>"$OUT/loco-$tag.mib" | tail -n 20
      }
      run_torch() {
        with_memory python3 bench/reference/llama_diloco.py --model "$model" --precision "$precision" --fused --context $T --batch $B \
          --inner-steps $H --steps $S --workers 2 --csv "$OUT/pytorch-$tag.csv" 3>"$OUT/pytorch-$tag.mib" | tail -n 3
      }
      if [ $((rep % 2)) -eq 1 ]; then run_loco; run_torch; else run_torch; run_loco; fi
      l=$(rate "$OUT/loco-$tag/train.csv"); p=$(rate "$OUT/pytorch-$tag.csv")
      lm=$(cat "$OUT/loco-$tag.mib"); pm=$(cat "$OUT/pytorch-$tag.mib")
      python3 -c "l,p=$l,$p; print(f'RACE $model $precision rep $rep: loco {l:,.0f} tok/s, pytorch {p:,.0f} tok/s, ratio {l/p:.3f}; GPU memory loco ${lm:-?} MiB, pytorch ${pm:-?} MiB')" | tee -a "$OUT/race.txt"
    done
    if [ "$LARGEST" = 1 ]; then
      # The largest power-of-two batch per worker that trains one short round (H = 2) without running out of memory.
      for side in loco pytorch; do
        best=0; b=$B
        while [ $b -le 4096 ]; do
          if [ $side = loco ]; then
            $LOCO train --model "$model" --device cuda --precision "$precision" --context $T --batch $b --inner-steps 2 --steps 2 --workers 2 \
              --eval-every 0 --out "$OUT/largest-$model" --overwrite > /dev/null 2>&1 || break
          else
            python3 bench/reference/llama_diloco.py --model "$model" --precision "$precision" --fused --context $T --batch $b --inner-steps 2 \
              --steps 2 --workers 2 > /dev/null 2>&1 || break
          fi
          best=$b; b=$((b * 2))
        done
        echo "LARGEST $model $precision $side: batch $best (T = $T, M = 2)" | tee -a "$OUT/race.txt"
      done
    fi
  done
done
