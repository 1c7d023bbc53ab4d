#!/usr/bin/env python3
"""Compares two grids of `loco sweep` results cell by cell, per H (standard library only).

    bench/compare-sweeps.py A/cells.csv:3 B/cells.csv:0 [--near 0.05]

Each argument is a cells.csv and the restart_period of the grid to take from it (0 = no restart, 3 = every 3 rounds,
or a rule such as adaptive:dot). Cells are matched on (inner_steps, outer_lr, outer_momentum); the rows keep the
nominal outer lr, so a `--match-restart-step` sweep lines up with the restarted grid it is matched to. Per H it prints
how many cells are stable in each grid and in only one, the cells whose final validation loss is within --near nats of
the best cell of either grid at that H, and over the cells stable in both: the mean of (B - A) in final validation
loss and in how many cells B ends lower.
"""
import argparse
import csv
import sys
from collections import defaultdict


def grid(spec):
    path, _, period = spec.rpartition(":")
    if not path:
        sys.exit(f"{spec}: give PATH:RESTART_PERIOD, e.g. docs/figures/sweep-paper/cells.csv:3")
    cells = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["restart_period"] != period:
                continue
            key = (int(row["inner_steps"]), float(row["outer_lr"]), float(row["outer_momentum"]))
            loss = float(row["final_val_loss"])
            cells[key] = (row["stable"] == "true", loss)
    if not cells:
        sys.exit(f"{path}: no cells with restart_period {period}")
    return cells


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="PATH:RESTART_PERIOD of the first grid")
    parser.add_argument("b", help="PATH:RESTART_PERIOD of the second grid")
    parser.add_argument("--near", type=float, default=0.05, help="nats from the best cell at an H that count as near-best")
    args = parser.parse_args()
    a, b = grid(args.a), grid(args.b)
    common = sorted(set(a) & set(b))
    if not common:
        sys.exit("the two grids share no (H, outer lr, momentum) cell")
    by_h = defaultdict(list)
    for key in common:
        by_h[key[0]].append(key)
    print(f"A = {args.a}, B = {args.b}; {len(common)} cells in both")
    print("| H | cells | stable A | stable B | only A | only B | near-best A | near-best B | B − A, mean (cells stable both) | B lower |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for h in sorted(by_h):
        keys = by_h[h]
        best = min(min(a[k][1], b[k][1]) for k in keys)
        stable_a = sum(a[k][0] for k in keys)
        stable_b = sum(b[k][0] for k in keys)
        only_a = sum(a[k][0] and not b[k][0] for k in keys)
        only_b = sum(b[k][0] and not a[k][0] for k in keys)
        near_a = sum(a[k][1] <= best + args.near for k in keys)
        near_b = sum(b[k][1] <= best + args.near for k in keys)
        both = [k for k in keys if a[k][0] and b[k][0]]
        diff = sum(b[k][1] - a[k][1] for k in both) / len(both) if both else float("nan")
        lower = sum(b[k][1] < a[k][1] for k in both)
        print(f"| {h} | {len(keys)} | {stable_a} | {stable_b} | {only_a} | {only_b} | {near_a} | {near_b} | {diff:+.3f} | {lower}/{len(both)} |")


if __name__ == "__main__":
    main()
