"""Breath-sound figures: RRuJO real recordings (rate MAE, share with a reading, per device and rate),
simulated sounds at several SNRs (breath count error), and the CPU cost of live analysis.

    .venv/bin/python benchmarks/audio.py [--data ../shared/data/rrujo-audio]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections import defaultdict
from pathlib import Path


from breathcam.capture.audio import load_audio, to_internal
from breathcam.signals.sound import SoundAnalyzer, analyze_audio_samples
from breathcam.simulate.sound import simulate_sound

ROOT = Path(__file__).resolve().parents[1]


def rrujo(folder: Path) -> None:
    rows = list(csv.DictReader(open(folder / "manifest.csv")))
    groups: dict[str, list] = defaultdict(list)
    for r in rows:
        res = analyze_audio_samples(load_audio(folder / r["path"]))
        truth = float(r["rate_bpm"])
        err = None if res.rate_bpm is None else abs(res.rate_bpm - truth)
        for key in ("all", f"device {r['device']}", f"rate {r['rate_bpm']}"):
            groups[key].append(err)
    print(f"RRuJO ({len(rows)} files): rate MAE over files with a reading, share with a reading, share within 1/min")
    for key, errs in groups.items():
        got = [e for e in errs if e is not None]
        mae = statistics.mean(got) if got else float("nan")
        print(f"  {key:22s} MAE {mae:5.2f}  reading {len(got)}/{len(errs)} ({100 * len(got) / len(errs):3.0f}%)"
              f"  within 1/min {sum(e <= 1 for e in got)}/{len(errs)}")


def simulated(seeds: int) -> None:
    print("simulated (60 s, rates 6/12/20/30, noise white/fan/traffic): median |breath count error|, share within 1, MAE")
    for snr in (None, 20, 10, 5, 0, -5):
        for noise in ("white", "fan", "traffic") if snr is not None else ("none",):
            errs, rate_errs, nulls = [], [], 0
            for rate in (6, 12, 20, 30):
                for seed in range(seeds):
                    s = simulate_sound(duration_s=60, rate_bpm=rate, snr_db=snr, noise=noise if snr is not None else "white",
                                       heart_bpm=70 if seed % 2 else None, heart_gain=1.0, seed=seed)
                    r = analyze_audio_samples(to_internal(s.samples, fs_hz=s.fs_hz, name="sim", kind="file"))
                    errs.append(abs(len(r.breaths) - len(s.truth.breaths)))
                    if r.rate_bpm is None:
                        nulls += 1
                    else:
                        rate_errs.append(abs(r.rate_bpm - s.truth.rate_bpm))
            print(f"  SNR {str(snr):>4s} dB {noise:8s} count err median {statistics.median(errs):.0f}, within 1: "
                  f"{sum(e <= 1 for e in errs)}/{len(errs)}; rate MAE {statistics.mean(rate_errs) if rate_errs else float('nan'):.2f}; null {nulls}")


def live_cpu() -> None:
    s = simulate_sound(duration_s=120, rate_bpm=12, snr_db=10, fs_hz=48000, seed=1)
    an = SoundAnalyzer(fs_hz=48000)
    block = 4800  # 0.1 s, as the microphone delivers
    t0 = time.process_time()
    for k in range(0, s.samples.size, block):
        an.push(s.samples[k : k + block])
        if (k // block) % 10 == 9:  # an estimate once per second of audio
            an.result()
    cpu = time.process_time() - t0
    print(f"live analysis at 48 kHz, push every 0.1 s and result() every 1 s: {100 * cpu / 120:.2f}% of one core "
          f"(CPU {cpu:.2f} s for 120 s of audio)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT / ".." / "shared" / "data" / "rrujo-audio"))
    ap.add_argument("--seeds", type=int, default=2)
    args = ap.parse_args()
    if Path(args.data).is_dir():
        rrujo(Path(args.data))
    else:
        print(f"RRuJO not found at {args.data}: skipped")
    simulated(args.seeds)
    live_cpu()


if __name__ == "__main__":
    main()
