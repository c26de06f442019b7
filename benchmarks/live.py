"""Live session figures with the microphone on, on seeded rendered clips whose sound track carries
the same breathing, replayed in real time (the camera stand-in) while the track plays into a
PulseAudio virtual microphone this script starts itself (as benchmarks/mic.py does).

Prints, per clip and overall:
- frame-to-overlay latency (ms, median and p95): from the moment the replay source hands over a
  frame to the overlay drawn on it (pose, tracking, online analysis, the microphone's poll, the
  sound analysis, fusion, coach, drawing);
- the audio path's CPU share of one core: the loop's poll (drain, resampling, status) and the
  session's sound analysis (push, sound meter, the live estimate once a second), thread CPU time;
  and PortAudio's / PulseAudio's client threads in the session's process (the callback);
- frames per second the loop kept up with, and frames the replay dropped for being late;
- hold flagged delay: seconds from a true hold's start to the first frame flagged open;
- live vs batch rate: the session's analysis (video fused with the sound heard) and the online
  analyzer's committed rate against ``breathcam analyze`` on the same clip (video fused with the
  clip's track), at rest and while moving (squats).

    python benchmarks/live.py            # at rest and moving, 640x480 at 30 fps, about 3 minutes
    python benchmarks/live.py --quick    # at rest only
    python benchmarks/live.py --no-mic   # the video path alone (no PulseAudio needed)
    python benchmarks/live.py --window   # also draw into a real window (needs DISPLAY, e.g. Xvfb)
    python benchmarks/live.py --clip CLIP.mp4   # a rendered clip with its .truth.json beside it

Each session runs in a fresh process (PortAudio reads the sound server from the environment when
it loads).  Targets: latency median <= 50 ms and p95 <= 100 ms with the microphone on, audio path
< 5 % of a core, |live - batch| <= 0.3/min.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _virtmic import virtual_mic  # noqa: E402  (beside this script)

CLIPS = [
    # name, kind, arguments, render seed
    ("at rest, 12/min, hold after exhale", "rest", dict(duration_s=45, rate_bpm=12, holds=[(24, 8, "exhale")], seed=101), 101),
    ("moving: squats, breathing on at 12/min", "squat", dict(duration_s=50, rate_bpm=12, seed=104), 104),
]


def _render(folder: Path, kind: str, kwargs: dict, seed: int) -> Path:
    from breathcam.simulate.render import render_clip
    from breathcam.simulate.sound import SoundTrack

    path = folder / f"live_{kind}_{seed}.mp4"
    if path.exists():
        return path
    if kind == "rest":
        from breathcam.simulate.waveform import simulate_breathing

        b, reps = simulate_breathing(fs_hz=30.0, **kwargs), ()
    else:
        from breathcam.simulate.movement import movement_breathing

        b, reps = movement_breathing("continue", kind=kind, duration_s=kwargs["duration_s"], period_s=3.0,
                                     rate_bpm=kwargs["rate_bpm"], fs_hz=30.0, seed=kwargs["seed"])
    return render_clip(b, path, width=640, height=480, fps=30.0, seed=seed, reps=reps, sound=SoundTrack(snr_db=20))


def _task_cpu_s(tids) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for tid in tids:
        try:
            f = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(f[11]) + int(f[12])) / tick
        except (OSError, IndexError, ValueError):
            pass  # the thread ended
    return total


def worker(clip: str, *, wav: str | None, mic: bool, window: bool) -> None:
    """One session in this process; prints one JSON line."""
    from breathcam.capture.audio import LiveMicrophone
    from breathcam.capture.video import ReplaySource
    from breathcam.live import run_live

    players = []
    microphone = False
    audio_tids: set[str] = set()
    if mic:
        before = set(os.listdir("/proc/self/task"))
        microphone = LiveMicrophone.open("pulse")
        audio_tids = set(os.listdir("/proc/self/task")) - before  # PortAudio's and PulseAudio's threads
        # the room's faint noise from the start (a null sink's digital silence reads as a muted microphone)
        players.append(subprocess.Popen(["paplay", "-d", "virtmic", "--raw", "--rate=8000", "--channels=1",
                                         "--format=s16le", "--volume=6554", "/dev/urandom"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    cpu_threads = {"audio": 0.0}

    class Replay:
        def __init__(self, src):
            self.src = src

        def __iter__(self):
            for i, f in enumerate(self.src):
                if i == 0 and wav:
                    players.append(subprocess.Popen(["paplay", "-d", "virtmic", wav], stdout=subprocess.DEVNULL,
                                                    stderr=subprocess.DEVNULL))
                yield f

        def __getattr__(self, name):
            return getattr(self.src, name)

    def on_update(state, analysis):
        if analysis is None and audio_tids:
            cpu_threads["audio"] = max(cpu_threads["audio"], _task_cpu_s(audio_tids))

    res = run_live(Replay(ReplaySource(clip)), window=window, mic=microphone, on_update=on_update)
    for p in players:
        p.kill()
        p.wait()
    lat = res.latency_ms
    print(json.dumps(dict(
        latency_median_ms=float(np.median(lat)), latency_p95_ms=float(np.percentile(lat, 95)), latency_max_ms=float(lat.max()),
        wall_s=res.wall_s, frames=res.frames, dropped=res.dropped, audio_cpu_s=res.audio_cpu_s,
        audio_threads_cpu_s=cpu_threads["audio"], sound_s=res.sound_s, mic_status=res.mic_status,
        rate_bpm=res.analysis.rate_bpm, sources=list(res.analysis.sources), online_rate_bpm=res.online_rate_bpm,
        holds_flagged=[list(x) for x in res.online_holds_flagged],
    )), flush=True)


def _session(clip: Path, *, env: dict, mic: bool, window: bool, tmp: Path) -> dict:
    wav = None
    if mic:
        import soundfile

        from breathcam.capture.audio import load_track

        audio = load_track(clip)
        wav = tmp / f"{clip.stem}.wav"
        soundfile.write(str(wav), audio.samples, int(audio.info.sample_rate_hz))
    cmd = [sys.executable, __file__, "--worker", str(clip)] + (["--wav", str(wav)] if wav else []) + \
          ([] if mic else ["--no-mic"]) + (["--window"] if window else [])
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    lines = [x for x in p.stdout.splitlines() if x.startswith("{")]
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"the session failed: {p.stderr[-2000:]}")
    return json.loads(lines[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the clip at rest only")
    ap.add_argument("--no-mic", action="store_true", help="no microphone: the video path alone")
    ap.add_argument("--window", action="store_true", help="show the overlay in a real window (needs DISPLAY)")
    ap.add_argument("--folder", help="where to keep the rendered clips (default: a temporary folder)")
    ap.add_argument("--clip", help="replay this rendered clip (truth from the .truth.json beside it) instead")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--wav", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, wav=args.wav, mic=not args.no_mic, window=args.window)
        return 0
    if args.window and not os.environ.get("DISPLAY"):
        print("--window needs DISPLAY (start Xvfb :99 and set DISPLAY=:99)", file=sys.stderr)
        return 2
    mic = not args.no_mic
    missing = [b for b in ("pulseaudio", "paplay", "pactl") if shutil.which(b) is None]
    if mic and missing:
        print(f"the microphone needs PulseAudio here: missing {', '.join(missing)} (or use --no-mic)", file=sys.stderr)
        return 2

    from breathcam.pipeline import analyze_clip
    from breathcam.simulate.render import truth_path
    from breathcam.simulate.waveform import Truth

    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="breathcam-live-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.clip:
        clips = [(Path(args.clip).name, Path(args.clip))]
    else:
        clips = [(name, _render(folder, kind, kw, seed)) for name, kind, kw, seed in (CLIPS[:1] if args.quick else CLIPS)]
    print(f"cpus: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}, microphone: {'on' if mic else 'off'}")
    fmt = lambda x: "null" if x is None else f"{x:.2f}"  # noqa: E731
    rows = []
    with tempfile.TemporaryDirectory(prefix="breathcam-live-mic-") as tmp:
        with (virtual_mic(Path(tmp)) if mic else _no_mic()) as env:
            for name, path in clips:
                truth = Truth.read(truth_path(path))
                r = _session(path, env=env, mic=mic, window=args.window, tmp=Path(tmp))
                batch = analyze_clip(path)
                r.update(name=name, batch=batch.rate_bpm, truth=truth.rate_bpm)
                rows.append(r)
                w = r["wall_s"]
                print(f"\n{name} ({path.name}, {truth.duration_s:.0f} s)")
                print(f"  latency ms: median {r['latency_median_ms']:.1f}, p95 {r['latency_p95_ms']:.1f}, max {r['latency_max_ms']:.1f}")
                print(f"  loop fps: {r['frames'] / w:.1f} (frames analysed {r['frames']}, dropped by replay {r['dropped']})")
                if mic:
                    print(f"  audio path: loop {100 * r['audio_cpu_s'] / w:.2f}% of a core (poll + sound analysis), "
                          f"PortAudio/PulseAudio client threads {100 * r['audio_threads_cpu_s'] / w:.2f}%; "
                          f"{r['sound_s']:.1f} s of sound, microphone {r['mic_status']}")
                for h in truth.holds:
                    flags = [t for start, t in r["holds_flagged"] if abs(start - h.start) <= 2.0]
                    print(f"  hold {h.after} at {h.start:.1f} s: " + (f"flagged open after {min(flags) - h.start:.1f} s" if flags else "NOT flagged"))
                print(f"  rate /min: truth {truth.rate_bpm:.2f}, batch {fmt(batch.rate_bpm)} ({'+'.join(batch.sources)}), "
                      f"session {fmt(r['rate_bpm'])} ({'+'.join(r['sources'])}), online {fmt(r['online_rate_bpm'])}")
    print("\noverall")
    med = float(np.median([r["latency_median_ms"] for r in rows]))
    p95 = max(r["latency_p95_ms"] for r in rows)
    print(f"  frame-to-overlay latency: median {med:.1f} ms (target <= 50), p95 {p95:.1f} ms (worst clip; target <= 100)")
    if mic:
        share = max(100 * (r["audio_cpu_s"] + r["audio_threads_cpu_s"]) / r["wall_s"] for r in rows)
        print(f"  audio path incl. PortAudio threads: {share:.2f}% of a core (worst clip; target < 5)")
    for r in rows:
        d = None if r["rate_bpm"] is None or r["batch"] is None else abs(r["rate_bpm"] - r["batch"])
        o = None if r["online_rate_bpm"] is None or r["batch"] is None else abs(r["online_rate_bpm"] - r["batch"])
        print(f"  |session - batch| {r['name']}: {fmt(d)}/min (target <= 0.3); |online - batch| {fmt(o)}/min")
    print(f"  load average at end: {os.getloadavg()[0]:.1f}")
    return 0


@contextmanager
def _no_mic():
    yield dict(os.environ, PYTHONPATH=str(ROOT))


if __name__ == "__main__":
    sys.exit(main())
