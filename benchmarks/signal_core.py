"""Measure the signal core on a seeded sweep of simulated waveforms (no video).

    .venv/bin/python benchmarks/signal_core.py [--seeds N] [--quick]

For each noise level (white noise at an SNR of breath rms over noise rms, plus a slow random-walk
drift and small tracker jumps) prints: clip-rate mean absolute error and worst error (bpm), mean
absolute breath-count error, share of clips whose rate is reported, holds found (IoU >= 0.6 and
the right label), false holds per 10 minutes of normal breathing, and pure-noise clips that got a
rate.  Not a test: numbers to compare versions of the algorithms.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from breathcam.signals.core import process
from breathcam.simulate.waveform import simulate_breathing
from breathcam.types import MotionTraces

FS = 10.0
NOISE_DB = (None, 20.0, 15.0, 10.0)

RATE_CASES = [dict(rate_bpm=r) for r in (3, 4, 6, 8, 12, 16, 20, 25, 30, 35, 40)] + [
    dict(rate_bpm=r, irregularity=0.2) for r in (5, 12, 24)
] + [dict(paced=p) for p in ("478", "box", "46", "coherent")] + [dict(rate_bpm=14, sigh_every_s=30, irregularity=0.15)]

HOLD_CASES = [dict(paced="478", irregularity=0.05), dict(paced="box", irregularity=0.05)] + [
    dict(rate_bpm=r, irregularity=0.1, holds=[(20, 5, a), (50, 10, a), (85, 20, a)])
    for a in ("inhale", "exhale")
    for r in (4, 6, 12, 20)
]

NORMAL_CASES = [dict(rate_bpm=r) for r in (3, 4, 6, 12, 20, 30, 40)] + [
    dict(rate_bpm=4, irregularity=0.1),
    dict(rate_bpm=12, irregularity=0.3),
    dict(rate_bpm=15, sigh_every_s=40, irregularity=0.15),
    dict(rate_bpm=8, sigh_every_s=30),
    dict(paced="46"),
    dict(paced="coherent"),
]


def trace(seed: int, snr_db: float | None, *, duration_s: float, drift: float = 0.02, **sim):
    b = simulate_breathing(duration_s=duration_s, fs_hz=FS, seed=seed, **sim)
    rng = np.random.default_rng(seed + 1000)
    x = 3.0 * b.volume
    n = x.size
    if snr_db is not None:
        x = x + np.std(x) * 10 ** (-snr_db / 20) * rng.standard_normal(n)
    k = int(30 * FS)
    walk = np.cumsum(drift * 3.0 / np.sqrt(FS) * rng.standard_normal(n + k))
    x = x + np.convolve(walk, np.ones(k) / k, mode="valid")[:n]
    for i in rng.integers(0, n, rng.poisson(0.5 * duration_s / 60.0)):
        x[i:] += rng.normal(0.0, 0.9)
    t = np.arange(n) / FS
    return MotionTraces(FS, t, x, x / 2, x / 2, np.ones(n, bool), 1.0, "pose", "front"), b


def iou(a, b) -> float:
    inter = max(0.0, min(a.end, b.end) - max(a.start, b.start))
    union = max(a.end, b.end) - min(a.start, b.start)
    return inter / union if union > 0 else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="one seed, shorter clips")
    args = ap.parse_args()
    seeds = range(1 if args.quick else args.seeds)
    dur = 90.0 if args.quick else 150.0
    t_start = time.perf_counter()
    print(f"{'SNR':>5} | {'rate MAE':>8} {'worst':>6} {'count err':>9} {'reported':>8} | "
          f"{'holds found':>11} | {'false holds/10min':>17} | {'noise rated':>11}")
    for snr in NOISE_DB:
        errs, counts, reported = [], [], 0
        n_clips = 0
        for k, sim in enumerate(RATE_CASES):
            for seed in seeds:
                tr, b = trace(100 * k + seed, snr, duration_s=dur, **sim)
                r = process(tr)
                n_clips += 1
                observable = [t for t in b.truth.breaths if t.end <= dur - 1.0]
                n = len(r.breaths)
                counts.append(0 if len(observable) <= n <= len(b.truth.breaths) else
                              min(abs(n - len(observable)), abs(n - len(b.truth.breaths))))
                if r.rate_bpm is not None:
                    reported += 1
                    errs.append(abs(r.rate_bpm - b.truth.rate_bpm))
        found = total = 0
        for k, sim in enumerate(HOLD_CASES):
            for seed in seeds:
                tr, b = trace(200 * k + seed, snr, duration_s=130.0, **sim)
                holds = process(tr).holds
                for th in b.truth.holds:
                    total += 1
                    found += any(iou(h, th) >= 0.6 and h.after == th.after for h in holds)
        false = 0
        minutes = 0.0
        for k, sim in enumerate(NORMAL_CASES):
            for seed in seeds:
                tr, b = trace(300 * k + seed, snr, duration_s=120.0, **sim)
                false += len(process(tr).holds)
                minutes += 2.0
        rated = 0
        for seed in range(10):
            rng = np.random.default_rng(seed)
            w = rng.standard_normal(1200)
            if seed % 2:
                w = np.cumsum(w) * 0.05 + w  # coloured
            n = w.size
            tr = MotionTraces(FS, np.arange(n) / FS, w, w, w, np.ones(n, bool), 1.0, "pose", "front")
            rated += process(tr).rate_bpm is not None
        label = "clean" if snr is None else f"{snr:.0f}dB"
        print(
            f"{label:>5} | {np.mean(errs):8.3f} {np.max(errs):6.2f} {np.mean(counts):9.3f} {reported / n_clips:8.0%} | "
            f"{found:>4}/{total:<4} {found / total:4.0%} | {10.0 * false / minutes:8.2f} ({minutes:.0f} min) | {rated:>5}/10"
        )
    print(f"({time.perf_counter() - t_start:.0f} s)")


if __name__ == "__main__":
    main()
