#!/usr/bin/env python3
"""Reference: the Loco Monte Carlo simulation written straightforwardly in NumPy.

Same model and algorithm as Loco.Simulation (DESIGN.md sections 1-2): Gaussian linear regression with
lambda_i = i^-a, theta*_i ~ N(0, i^-b), label noise sigma; M workers each take H SGD steps on B fresh
samples x = sqrt(lambda) * z per step; Delta = s - mean_m f_m; outer Nesterov (PyTorch form).
Vectorised over the batch and the workers, looped over rounds and runs, as a NumPy user would write it.

Prints one JSON line: throughput in sample-dimensions per second and the mean final risk.
"""
import argparse
import json
import time

import numpy as np


def power_law(dim, a, b):
    idx = np.arange(1, dim + 1, dtype=np.float64)
    return idx ** -a, np.random.default_rng(12345).standard_normal(dim) * idx ** (-b / 2)


def read_spectrum(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return data[:, 0], data[:, 1]


def simulate(lam, theta_star, batch, steps, workers, rounds, runs, eta, alpha, beta, sigma, seed):
    dim = lam.shape[0]
    sqrt_lam = np.sqrt(lam)
    final = np.empty(runs)
    for run in range(runs):
        rng = np.random.default_rng([seed, run])
        s = np.zeros(dim)
        v = np.zeros(dim)
        for _ in range(rounds):
            f = np.repeat(s[None, :], workers, axis=0)           # (M, D)
            for _ in range(steps):
                z = rng.standard_normal((workers, batch, dim))    # (M, B, D)
                eps = rng.standard_normal((workers, batch))       # (M, B)
                u = sqrt_lam * (f - theta_star)                   # (M, D)
                r = (z @ u[:, :, None])[:, :, 0] - sigma * eps    # (M, B)
                g = sqrt_lam * (np.transpose(z, (0, 2, 1)) @ r[:, :, None])[:, :, 0] / batch
                f -= eta * g
            delta = s - f.mean(axis=0)
            v = beta * v + delta
            s = s - alpha * (delta + beta * v)
        final[run] = 0.5 * np.sum(lam * (s - theta_star) ** 2) + 0.5 * sigma ** 2
    return final


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dim", type=int, default=1000)
    p.add_argument("--spectrum-file", help="CSV 'lambda,theta_star' (as Loco reads it); replaces --dim and the exponents")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--inner-steps", type=int, default=8)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--inner-lr", type=float, default=0.5)
    p.add_argument("--outer-lr", type=float, default=0.5)
    p.add_argument("--outer-momentum", type=float, default=0.6)
    p.add_argument("--noise", type=float, default=0.1)
    p.add_argument("--spectrum-exp", type=float, default=1.5)
    p.add_argument("--target-exp", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()

    if args.spectrum_file:
        lam, theta_star = read_spectrum(args.spectrum_file)
    else:
        lam, theta_star = power_law(args.dim, args.spectrum_exp, args.target_exp)
    dim = lam.shape[0]

    def once():
        return simulate(lam, theta_star, args.batch, args.inner_steps, args.workers, args.rounds, args.runs,
                        args.inner_lr, args.outer_lr, args.outer_momentum, args.noise, args.seed)

    once()  # warm-up
    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        final = once()
        best = min(best, time.perf_counter() - start)
    samples = args.runs * args.rounds * args.workers * args.inner_steps * args.batch
    print(json.dumps({
        "numpy": np.__version__,
        "seconds": best,
        "sample_dims_per_second": samples * dim / best,
        "final_risk_mean": float(final.mean()),
        "final_risk_stderr": float(final.std(ddof=1) / np.sqrt(len(final))) if len(final) > 1 else None,
    }))


if __name__ == "__main__":
    main()
