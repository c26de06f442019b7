"""Breath-sound figures: RRuJO real recordings on a fixed split of its 16 people (a tuning part and an
untouched part, per device and per person), simulated sounds at several SNRs (breath count error),
the simulated air microphone, sound with no breathing at all, and the CPU cost of live analysis.

    PYTHONPATH=. .venv/bin/python benchmarks/audio.py [--data ../shared/data/rrujo-audio] [--only rrujo]
        [--part tuning] [--files]

``--part tuning`` reads the tuning part alone: what work on the method may look at, file by file
with ``--files``; the untouched part is for reporting.

The split is fixed here and never changed to suit a result: ``TUNING`` holds the five people the
first analysis was set on plus four of the eleven added later (every other one in code order, the
first four so chosen); the other seven were never looked at while choosing a method or a threshold.
Figures are reported for both parts; only the untouched part says how a new person fares.

Per file the reading is sorted into: within 1/min of the truth; at twice the truth (within 10 %
of 2x: inhale and exhale counted as two breaths); too fast otherwise (over 1.3x the truth: the
heart, whose sounds come at 60-100/min and S1/S2 pairs at half that, is the usual cause); too slow
(under 0.77x); or no reading.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from breathcam.capture.audio import load_audio, to_internal
from breathcam.signals.sound import SoundAnalyzer, analyze_audio_samples
from breathcam.simulate.sound import AIR_CONDITIONS, simulate_air_sound, simulate_sound

ROOT = Path(__file__).resolve().parents[1]

# The five people the sound analysis was first tuned on (the first RRuJO release here) ...
ORIGINAL = ("2023021713052", "2023022016102", "2023022210002", "2023022217141", "2023022410501")
# ... and four of the eleven added later: every other one of them in code order, from the first.
ADDED_FOR_TUNING = ("2023022219451", "2023030113002", "2023030319441", "2023030818501")
TUNING = ORIGINAL + ADDED_FOR_TUNING
# Never used to choose anything: 2023022309391, 2023030118491, 2023030718301, 2023031010301,
# 2023031519451, 2023050318481, 2023240317151 (every person of the manifest not in TUNING).


def part_of(subject: str) -> str:
    return "tuning" if subject in TUNING else "untouched"


def classify(reading: float | None, truth: float) -> str:
    if reading is None:
        return "none"
    if abs(reading - truth) <= 1.0:
        return "ok"
    if abs(reading - 2 * truth) <= 0.2 * truth:
        return "twice"
    if reading > 1.3 * truth:
        return "fast"
    if reading < truth / 1.3:
        return "slow"
    return "off"


def _summary(items: list[tuple[float | None, float]]) -> str:
    errs = [abs(r - t) for r, t in items if r is not None]
    kinds = [classify(r, t) for r, t in items]
    mae = statistics.mean(errs) if errs else float("nan")
    n = len(items)
    return (f"MAE {mae:5.2f}  reading {len(errs):3d}/{n:<3d} within 1/min {kinds.count('ok'):3d}/{n:<3d} "
            f"({100 * kinds.count('ok') / n:3.0f}%)  twice {kinds.count('twice'):2d}  too fast (heart) "
            f"{kinds.count('fast'):2d}  slow {kinds.count('slow'):2d}  off {kinds.count('off'):2d}")


def rrujo(folder: Path, *, per_file: bool = False, part: str = "both") -> dict:
    rows = list(csv.DictReader(open(folder / "manifest.csv")))
    if part != "both":  # while working on the method: the tuning part alone, the untouched one unseen
        rows = [r for r in rows if part_of(r["subject_code"]) == part]
    groups: dict[str, list] = defaultdict(list)
    t0 = time.process_time()
    for r in rows:
        res = analyze_audio_samples(load_audio(folder / r["path"]))
        truth = float(r["rate_bpm"])
        side = part_of(r["subject_code"])
        item = (res.rate_bpm, truth)
        for key in (f"{side} all", f"{side} device {r['device']}", f"{side} person {r['subject_code']}", "both all"):
            groups[key].append(item)
        if per_file and classify(res.rate_bpm, truth) != "ok":
            print(f"    {side:9s} {r['path']:40s} truth {truth:4.0f} read {res.rate_bpm} conf {res.confidence} "
                  f"halved {res.halved} notes {res.notes}")
    cpu = time.process_time() - t0
    print(f"RRuJO ({len(rows)} files, {len({r['subject_code'] for r in rows})} people; CPU {cpu:.0f} s): "
          "MAE over files with a reading; counts over all files")
    for name in ("untouched", "tuning", "both"):
        keys = sorted(k for k in groups if k.startswith(name + " "))
        for key in sorted(keys, key=lambda k: (not k.endswith(" all"), k)):
            print(f"  {key:34s} {_summary(groups[key])}")
    return groups


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


def air(clips: int) -> None:
    print(f"simulated air microphone (nose breathing, 8-20/min, 20-45 s, {clips} clips per condition): "
          "breath count within 1 of the truth, readings at twice the truth, no reading")
    for snr in (20, 10, 5, 0):
        for cond in AIR_CONDITIONS:
            within = twice = none = 0
            for seed in range(clips):
                rng = np.random.default_rng(seed)
                rate, seconds = float(rng.uniform(8, 20)), float(rng.uniform(20, 45))
                s = simulate_air_sound(condition=cond, duration_s=seconds, rate_bpm=rate, snr_db=snr, seed=seed)
                r = analyze_audio_samples(to_internal(s.samples, fs_hz=s.fs_hz, name="air", kind="file"))
                within += abs(len(r.breaths) - len(s.truth.breaths)) <= 1
                twice += classify(r.rate_bpm, s.truth.rate_bpm) == "twice"
                none += r.rate_bpm is None
            print(f"  SNR {snr:3d} dB {cond:7s} count within 1: {within}/{clips}  twice {twice}  no reading {none}")


def noise_only(seeds: int) -> None:
    """Sound with no breathing at all: any reading here is a wrong one."""
    from breathcam.simulate import sound as sim

    print(f"no breathing (45 s, {seeds} seeds each): readings (a rate) and two-candidate answers")
    for kind in ("white", "pink", "brown", "fan", "traffic", "room", "desk fan", "speech"):
        rates, cands = [], 0
        for seed in range(seeds):
            rng = np.random.default_rng(300 + seed)
            fs = 8000.0 if kind in ("white", "pink", "brown", "fan", "traffic") else 16000.0
            n = int(45 * fs)
            if kind in ("white", "pink", "brown"):
                x = rng.standard_normal(n)
                if kind != "white":
                    spec = np.fft.rfft(x)
                    spec[1:] /= np.arange(1, spec.size) ** (0.5 if kind == "pink" else 1.0)
                    x = np.fft.irfft(spec, n)
            elif kind in ("fan", "traffic"):  # simulate_sound's backgrounds
                x = sim._noise(kind, n, fs_hz=fs, rng=rng)
            elif kind == "room":  # simulate_air_sound's backgrounds
                x = sim._room_tone(n, fs_hz=fs, rng=rng)
            elif kind == "desk fan":
                x = 0.3 * sim._room_tone(n, fs_hz=fs, rng=rng) + sim._fan(n, fs_hz=fs, rng=rng)
            else:
                x = 0.5 * sim._room_tone(n, fs_hz=fs, rng=rng) + sim._speech(n, fs_hz=fs, rng=rng)
            x = (0.1 * x / x.std()).astype(np.float32)
            r = analyze_audio_samples(to_internal(x, fs_hz=fs, name="noise", kind="file"))
            if r.rate_bpm is not None:
                rates.append(round(r.rate_bpm, 1))
            cands += bool(r.rate_candidates)
        print(f"  {kind:8s} readings {len(rates)}/{seeds} {rates if rates else ''}  candidates {cands}")


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
    ap.add_argument("--clips", type=int, default=10, help="air-microphone clips per condition and SNR")
    ap.add_argument("--only", choices=("rrujo", "sim", "air", "noise", "cpu"), default=None, help="run one part only")
    ap.add_argument("--files", action="store_true", help="list every RRuJO file not within 1/min")
    ap.add_argument("--part", choices=("tuning", "untouched", "both"), default="both",
                    help="RRuJO files of one part of the split only (tuning: what method work may look at)")
    args = ap.parse_args()
    if args.only in (None, "rrujo"):
        if Path(args.data).is_dir():
            rrujo(Path(args.data), per_file=args.files, part=args.part)
        else:
            print(f"RRuJO not found at {args.data}: skipped")
    if args.only in (None, "sim"):
        simulated(args.seeds)
    if args.only in (None, "air"):
        air(args.clips)
    if args.only in (None, "noise"):
        noise_only(8)
    if args.only in (None, "cpu"):
        live_cpu()


if __name__ == "__main__":
    main()
