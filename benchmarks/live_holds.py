"""The live rate around breath holds, on seeded traces streamed through the online analyzer.

Prints, per seed and overall: how often the readout went blank after it had a reading, and the
largest distance of the readout from the truth (the clip's rate, holds that interrupt the
breathing left out) from 10 s after the hold to the end.  The traces go straight into
:class:`~breathcam.signals.online.OnlineAnalyzer` through a stand-in front end (no camera, no
pose): the analyzer's own windows, commits, holds and readout, at the live cadence (a frame
every 0.1 s, analysis every second, hold checks every 0.5 s).

    python benchmarks/live_holds.py            # 12 seeds, about a minute
    python benchmarks/live_holds.py --seeds 3  # fewer
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from breathcam.signals.online import OnlineAnalyzer  # noqa: E402
from breathcam.simulate.waveform import simulate_breathing  # noqa: E402
from breathcam.types import MotionTraces  # noqa: E402

FS = 10.0


class _TraceFront:
    """Stands in for capture.frontend.FrontEnd: hands the analyzer a simulated trace sample by sample."""

    regions = None
    person_seen = True
    notes: tuple[str, ...] = ()

    def __init__(self, b, x: np.ndarray) -> None:
        self.b, self.x, self.n = b, x, 0

    def step(self, frame):
        self.n = int(round(frame.t_s * FS)) + 1
        i = self.n - 1
        return SimpleNamespace(valid=True, chest=float(self.b.chest[i]), belly=float(self.b.belly[i]))

    def recent_traces(self, *, window_s: float) -> MotionTraces:
        n, b = self.n, self.b
        lo = max(0, n - int(window_s * FS))
        return MotionTraces(FS, b.t_s[lo:n], self.x[lo:n], b.chest[lo:n], b.belly[lo:n], np.ones(n - lo, bool), 1.0, "pose", "front")

    def close(self) -> None:
        pass


def run(seed: int) -> tuple[int, float, float]:
    hold_s = 8 + seed % 3 * 4
    after = "exhale" if seed % 2 else "inhale"
    b = simulate_breathing(duration_s=80, fs_hz=FS, rate_bpm=12, holds=[(30, hold_s, after)], seed=seed, irregularity=0.2)
    x = b.volume + 0.1 * np.random.default_rng(seed).standard_normal(b.volume.size)
    online = OnlineAnalyzer(front=_TraceFront(b, x))
    (h,) = b.truth.holds
    had, blank, err = False, 0, 0.0
    for i in range(b.t_s.size):
        st = online.update(SimpleNamespace(t_s=float(b.t_s[i])))
        if i % int(FS):
            continue
        if st.rate_bpm is None:
            blank += had
        else:
            had = True
            if st.t_s >= h.end + 10.0:
                err = max(err, abs(st.rate_bpm - b.truth.rate_bpm))
    return blank, err, b.truth.rate_bpm


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=12)
    args = ap.parse_args()
    print("12/min, irregularity 0.2, noise 0.1, one 8-16 s hold at 30 s; readout every second")
    print(f"{'seed':>4} {'truth /min':>10} {'blank after a reading':>22} {'max error after the hold':>25}")
    blanks, errs = 0, []
    for seed in range(1, args.seeds + 1):
        blank, err, truth = run(seed)
        blanks += blank
        errs.append(err)
        print(f"{seed:>4} {truth:>10.2f} {blank:>22d} {err:>25.2f}")
    errs = np.array(errs)
    print(f"blank readouts after a first reading: {blanks}; error after the hold: median {np.median(errs):.2f}/min, "
          f"within 1.5/min on {int((errs <= 1.5).sum())} of {errs.size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
