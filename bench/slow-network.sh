#!/usr/bin/env bash
# DiLoCo over a slow link, measured. Builds two network namespaces joined by a veth pair, runs `loco coordinator` in
# one and two `loco worker` processes in the other (mutual TLS, a certificate made for the run), and compares tokens
# per second of DiLoCo at H = 50 with H = 1 (one synchronisation per inner step: what data-parallel training pays) for
# each model, first on the unshaped veth (the reference, same run, same machine), then with the link shaped to RATE and
# DELAY each way. Bytes are what crossed the veth (TLS, Orleans and the data plane included), from the kernel's counters.
#
#   sudo bench/slow-network.sh [tiny] [small]          (run from the checkout's root; needs root, ip and tc)
#
# RATE (default 100mbit) and DELAY (default 20ms) shape each direction: `tc netem delay DELAY rate RATE` when the
# kernel has netem, otherwise `tc tbf rate RATE` alone (the table then says that no delay was added). LOCO names the
# loco command (default: the Release build, made if missing). OUT (default: loco-out/slow-network) receives every run's
# folder and the table (table.md). The namespaces, the veth pair and every process are made and removed by this script,
# by name and pid; traffic stays on the veth.
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-100mbit}
DELAY=${DELAY:-20ms}
OUT=${OUT:-loco-out/slow-network}
models=("$@"); [ ${#models[@]} -gt 0 ] || models=(tiny small)
[ "$(id -u)" -eq 0 ] || { echo "slow-network.sh: needs root (network namespaces and tc)" >&2; exit 2; }
command -v tc >/dev/null && command -v ip >/dev/null || { echo "slow-network.sh: needs ip and tc (Debian: iproute2)" >&2; exit 2; }
if [ -z "${LOCO:-}" ]; then
  dotnet build src/Loco.Cli -c Release -v q -nologo >/dev/null
  LOCO="dotnet $PWD/src/Loco.Cli/bin/Release/net10.0/loco.dll"
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

A=loco-coord-$$ B=loco-work-$$ VA=lcv-a-$$ VB=lcv-b-$$
ADDR_A=10.213.0.1 ADDR_B=10.213.0.2 PORT=11111
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

ip netns add "$A"
ip netns add "$B"
ip link add "$VA" type veth peer name "$VB"
ip link set "$VA" netns "$A"
ip link set "$VB" netns "$B"
ip -n "$A" addr add $ADDR_A/24 dev "$VA"
ip -n "$B" addr add $ADDR_B/24 dev "$VB"
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set "$VA" up
ip -n "$B" link set "$VB" up

shaping="none"
shape() { # $1: on|off
  for pair in "$A:$VA" "$B:$VB"; do
    ns=${pair%%:*} dev=${pair#*:}
    tc -n "$ns" qdisc del dev "$dev" root 2>/dev/null || true
    if [ "$1" = on ]; then
      if tc -n "$ns" qdisc add dev "$dev" root netem delay "$DELAY" rate "$RATE" 2>/dev/null; then
        shaping="netem: $RATE, $DELAY each way"
      else
        tc -n "$ns" qdisc add dev "$dev" root tbf rate "$RATE" burst 256kb latency 200ms
        shaping="tbf: $RATE each way; no delay added (this kernel has no netem)"
      fi
    fi
  done
}

$LOCO cluster-cert --out "$OUT/cert" --overwrite >/dev/null
CERT="$OUT/cert/cluster.pfx"

wire() { # bytes the workers' namespace sent and received so far
  ip -n "$B" -s -j link show dev "$VB" | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]["stats64"]; print(s["tx"]["bytes"], s["rx"]["bytes"])'
}

rate() { # train.csv → tokens/s between the ends of round 1 and the round before the last (the last also evaluates)
  python3 - "$1" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if int(r["round"]) >= 1]
a, b = rows[0], rows[-2]
print(f'{(int(b["tokens"]) - int(a["tokens"])) / (float(b["seconds"]) - float(a["seconds"])):.0f} {len(rows)}')
PY
}

run() { # model H steps link → one table row
  local model=$1 h=$2 steps=$3 link=$4 dir="$OUT/$1-h$2-$4"
  rm -rf "$dir"
  read -r tx0 rx0 < <(wire)
  ip netns exec "$A" $LOCO coordinator --listen $ADDR_A:$PORT --cert "$CERT" --model "$model" --workers 2 --inner-steps "$h" \
    --steps "$steps" --eval-every 0 --out "$dir" > "$OUT/coordinator.log" 2>&1 &
  local coordinator=$!
  pids+=("$coordinator")
  for _ in $(seq 1 600); do grep -q "waiting for" "$OUT/coordinator.log" 2>/dev/null && break; sleep 0.1; done
  local workers=()
  for i in 0 1; do
    ip netns exec "$B" $LOCO worker --join $ADDR_A:$PORT --cert "$CERT" > "$dir.worker$i.log" 2>&1 &
    workers+=($!)
    pids+=($!)
  done
  wait "$coordinator" || { echo "slow-network.sh: the coordinator failed; see $OUT/coordinator.log" >&2; tail -n 20 "$OUT/coordinator.log" >&2; exit 1; }
  for w in "${workers[@]}"; do wait "$w" || { echo "slow-network.sh: a worker failed; see $dir.worker*.log" >&2; exit 1; }; done
  cp "$OUT/coordinator.log" "$dir.coordinator.log"
  read -r tx1 rx1 < <(wire)
  read -r tps rounds < <(rate "$dir/train.csv")
  local per_step=$(( (tx1 - tx0 + rx1 - rx0) / steps ))
  pids=() # every process of this run has been waited for
  echo "| $model | $link | $h | $rounds | $tps | $(( (tx1 - tx0) / 1000000 )) | $(( (rx1 - rx0) / 1000000 )) | $(( per_step / 1000 )) |" | tee -a "$table"
}

table="$OUT/table.md"
{
  echo "| model | link | H | rounds | tokens/s | MB sent by workers | MB received by workers | kB on the wire per inner step |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
} > "$table"
for link in unshaped shaped; do
  if [ $link = shaped ]; then shape on; else shape off; fi
  for model in "${models[@]}"; do
    case $model in
      tiny)  long=200 short=30 ;;
      small) long=200 short=12 ;;
      *) echo "slow-network.sh: unknown model $model (tiny or small)" >&2; exit 2 ;;
    esac
    run "$model" 50 $long $link
    run "$model" 1 $short $link
  done
done
echo
echo "shaped link: $shaping" | tee -a "$table"
echo "table: $table"
