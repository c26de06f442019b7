"""Peak memory of analysing a long sound file: ``breathcam analyze LONG.wav`` in a child process.

    python benchmarks/audio_memory.py [--minutes 30] [--rate 48000] [--code PATH]

Writes a seeded breathing-sound recording of ``--minutes`` at ``--rate`` Hz (16-bit mono wav, in
blocks) into a temporary folder, runs ``python -m breathcam analyze FILE --no-save -q`` with
``PYTHONPATH=--code`` (default: this checkout; give an older checkout to compare) and prints the
child's peak resident memory (ru_maxrss) and wall time.  The file is deleted afterwards.

Measured here (2 shared cores), 30 min at 48 kHz, 173 MB wav:
- reading it (capture.audio.load_audio alone): 2737 MB peak before it read in blocks, 220 MB after;
- the whole ``analyze``: 1920 MB before, 234 MB (11.5 s, 11.99/min) since signals.sound.band_power
  filters in 10 s blocks (the streaming class gives the same frames).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def write_long_wav(path: Path, *, minutes: float, rate: int, seed: int = 5) -> None:
    """Breathing sound at 12/min (breathcam.simulate.sound, 60 s at 8 kHz) looped to length,
    resampled to ``rate`` and written block by block (never the whole file in memory)."""
    import soundfile
    from scipy.signal import resample_poly

    sys.path.insert(0, str(ROOT))
    from breathcam.simulate.sound import simulate_sound

    s = simulate_sound(duration_s=60, rate_bpm=12, fs_hz=8000, snr_db=15, seed=seed)
    minute = resample_poly(np.asarray(s.samples, float), rate, int(s.fs_hz)).astype(np.float32)
    minute /= max(1e-9, float(np.max(np.abs(minute)))) * 1.25
    with soundfile.SoundFile(str(path), "w", samplerate=rate, channels=1, subtype="PCM_16") as fh:
        for _ in range(int(round(minutes))):
            fh.write(minute)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--rate", type=int, default=48000)
    ap.add_argument("--code", default=str(ROOT), help="PYTHONPATH of the breathcam to measure")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        wav = Path(d) / "long.wav"
        write_long_wav(wav, minutes=args.minutes, rate=args.rate)
        size_mb = wav.stat().st_size / 1e6
        env = dict(os.environ, PYTHONPATH=args.code, BREATHCAM_HOME=d)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "breathcam", "analyze", str(wav), "--no-save", "-q", "--json", "-"],
                              capture_output=True, text=True, env=env)
        wall = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0  # KiB on Linux
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return proc.returncode
    import json

    rate = json.loads(proc.stdout).get("rate_bpm")
    print(f"{args.minutes:g} min at {args.rate} Hz ({size_mb:.0f} MB wav), code {args.code}: "
          f"peak RSS {peak_mb:.0f} MB, {wall:.1f} s, rate {rate} /min (truth 12)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
