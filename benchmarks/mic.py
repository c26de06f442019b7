"""The live microphone's cost and health, for real: a breathing recording played in real time into a
PulseAudio virtual microphone this script starts itself, heard through PortAudio by
LiveMicrophone + SoundAnalyzer as a live session would run them.

    PYTHONPATH=. .venv/bin/python benchmarks/mic.py [--seconds 60] [--runs 3] [--rate 48000]

Each run starts a private PulseAudio daemon (null sink "virtmic" at --rate, its monitor the default
source), writes a seeded breathing recording (breathcam.simulate.sound, 12/min, 15 dB SNR, at
--rate), and records in a fresh process (PortAudio reads the server from the environment when it
loads) that opens ``LiveMicrophone.open("pulse", rate_hz=--rate)`` and, in a loop at 30 Hz like a
video loop's frames: ``poll()`` (drain + streaming resampling to 8 kHz + status), then per block
``SoundAnalyzer.push`` and ``level()``; ``result()`` once per second over its window.

Printed per run and as the median over runs:
- CPU: the recording process's CPU time over wall time (all its threads: PortAudio's callback
  thread and PulseAudio's client code included), and per component: poll, push (+ level), result()
  (thread CPU time of the loop around each call), PortAudio/callback threads (process minus the
  loop's thread), the loop's own sleeping and waking;
- blocks dropped (the queue overflowing), PortAudio overflow flags, gaps in the block times;
- the rate read (result() at the end, over its last live_window_s) against the truth;
- the status and every status change.
The PulseAudio daemon and paplay stand in for the sound card; their CPU is shown for information.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from _virtmic import virtual_mic  # noqa: E402  (beside this script)
LOOP_HZ = 30.0  # a video loop's frame rate: poll() once per frame


def _proc_cpu_s(pid: int) -> float:
    """utime + stime of a process (from /proc), seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def child(seconds: float, rate: float) -> None:
    """The recording process: prints 'ready' once the microphone is open, then one JSON line."""
    import numpy as np

    from breathcam.capture.audio import LiveMicrophone
    from breathcam.signals.sound import SoundAnalyzer

    mic = LiveMicrophone.open("pulse", rate_hz=rate)
    an = SoundAnalyzer(fs_hz=mic.rate_hz, source_rate_hz=mic.source_rate_hz)
    print("ready", flush=True)
    if mic.status == "unavailable":
        print(json.dumps({"error": mic.message}), flush=True)
        return
    # start measuring with the first block (the stream's start is not the steady state)
    while not mic.poll():
        time.sleep(0.005)
    t_poll = t_push = t_result = 0.0
    times, sizes, levels = [], [], []
    n_results = 0
    wall0, cpu0, thr0 = time.monotonic(), time.process_time(), time.thread_time()
    next_result = wall0 + 1.0
    tick = wall0
    while time.monotonic() - wall0 < seconds:
        tick += 1.0 / LOOP_HZ
        time.sleep(max(0.0, tick - time.monotonic()))
        a = time.thread_time()
        blocks = mic.poll()
        b = time.thread_time()
        for blk in blocks:
            an.push(blk.samples)
            lv = an.level()
            if lv is not None:
                levels.append(lv.audible)
            times.append(blk.t_s)
            sizes.append(blk.samples.size)
        c = time.thread_time()
        t_poll += b - a
        t_push += c - b
        if time.monotonic() >= next_result:
            next_result += 1.0
            d = time.thread_time()
            an.result()
            t_result += time.thread_time() - d
            n_results += 1
    wall = time.monotonic() - wall0
    cpu = time.process_time() - cpu0
    thr = time.thread_time() - thr0
    r = an.result()
    jumps = np.diff(times) - np.array(sizes[:-1]) / mic.rate_hz if len(times) > 1 else np.zeros(1)
    # where the timeline was re-placed against the callback clock (LiveMicrophone: mic_clock_resync_s)
    replaced = [(round(t - wall0, 1), round(1000 * j, 1)) for t, j in zip(times[1:], jumps) if abs(j) > 0.005]
    out = dict(
        wall_s=wall, cpu_s=cpu, loop_thread_s=thr, poll_s=t_poll, push_s=t_push, result_s=t_result,
        results=n_results, audio_threads_s=cpu - thr, loop_rest_s=thr - t_poll - t_push - t_result,
        dropped=mic.dropped_blocks, overflows=mic._mic.status_flags if mic._mic else None,
        blocks=mic.blocks_received, seconds_received=mic.seconds_received, max_time_jump_s=float(np.abs(jumps).max()),
        time_replaced=replaced,
        rate_bpm=r.rate_bpm, rate_confidence=r.confidence, audible=float(np.mean(levels)) if levels else None,
        status=mic.status, events=[(round(e.t_s - wall0, 2), e.status, e.cause) for e in mic.events],
        source_rate_hz=mic.source_rate_hz,
    )
    mic.close()
    print(json.dumps(out), flush=True)


def one_run(seconds: float, rate: float, seed: int, tmp: Path) -> dict:
    import soundfile as sf

    from breathcam.simulate.sound import simulate_sound

    with virtual_mic(tmp, rate_hz=rate, run_name=f"xdg{seed}") as env:
        daemon = int((Path(env["PULSE_RUNTIME_PATH"]) / "pid").read_text())
        s = simulate_sound(duration_s=seconds + 10, rate_bpm=12, snr_db=15, fs_hz=rate, seed=seed)
        wav = tmp / f"breath{seed}.wav"
        sf.write(wav, s.samples, int(rate))
        rec = subprocess.Popen([sys.executable, __file__, "--child", "--seconds", str(seconds), "--rate", str(rate)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        assert rec.stdout.readline().strip() == "ready", rec.stderr.read()
        d0 = _proc_cpu_s(daemon)
        player = subprocess.Popen(["paplay", "-d", "virtmic", str(wav)], env=env, stderr=subprocess.DEVNULL)
        out, err = rec.communicate(timeout=seconds + 60)
        d1 = _proc_cpu_s(daemon)
        p_cpu = _proc_cpu_s(player.pid)
        player.kill()
        player.wait()
        lines = [ln for ln in out.splitlines() if ln.startswith("{")]
        if not lines:
            raise RuntimeError(f"the recording process failed: {err[-2000:]}")
        res = json.loads(lines[-1])
        res.update(truth_bpm=s.truth.rate_bpm, pulseaudio_s=d1 - d0, paplay_s=p_cpu)
        return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="recording length per run (default 60)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rate", type=float, default=48000.0, help="the microphone's sample rate (default 48000)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.seconds, args.rate)
        return 0
    missing = [b for b in ("pulseaudio", "paplay", "pactl") if shutil.which(b) is None]
    if missing:
        print(f"needs PulseAudio: missing {', '.join(missing)} (apt-get install pulseaudio pulseaudio-utils)")
        return 2
    rows = []
    with tempfile.TemporaryDirectory(prefix="breathcam-mic-bench-") as tmp:
        for k in range(args.runs):
            r = one_run(args.seconds, args.rate, seed=k, tmp=Path(tmp))
            rows.append(r)
            w = r["wall_s"]
            pct = {key: 100 * r[key] / w for key in ("cpu_s", "poll_s", "push_s", "result_s", "audio_threads_s", "loop_rest_s")}
            print(f"run {k + 1}: {w:.1f} s at {r['source_rate_hz']:.0f} Hz: process CPU {pct['cpu_s']:.2f}% of one core "
                  f"(poll+resample {pct['poll_s']:.2f}%, push+level {pct['push_s']:.2f}%, "
                  f"result() x{r['results']} {pct['result_s']:.2f}%, PortAudio/callback threads {pct['audio_threads_s']:.2f}%, "
                  f"loop wake-ups {pct['loop_rest_s']:.2f}%)")
            rate = "none" if r["rate_bpm"] is None else f"{r['rate_bpm']:.2f}"
            print(f"       blocks {r['blocks']} ({r['seconds_received']:.1f} s of sound), dropped {r['dropped']}, "
                  f"overflow flags {r['overflows']}, block times re-placed {len(r['time_replaced'])}x "
                  f"{r['time_replaced'] or ''} (s into the run, ms); "
                  f"rate {rate}/min vs truth {r['truth_bpm']:.2f}; audible {100 * (r['audible'] or 0):.0f}% of the time; "
                  f"status {r['status']} {r['events']}; [PulseAudio daemon {100 * r['pulseaudio_s'] / w:.1f}%, "
                  f"paplay {100 * r['paplay_s'] / w:.1f}%: the sound card's stand-ins]")
    med = lambda key: statistics.median(r[key] / r["wall_s"] * 100 for r in rows)  # noqa: E731
    errs = [abs(r["rate_bpm"] - r["truth_bpm"]) for r in rows if r["rate_bpm"] is not None]
    print(f"median of {len(rows)} runs: process CPU {med('cpu_s'):.2f}% of one core (poll+resample {med('poll_s'):.2f}%, "
          f"push+level {med('push_s'):.2f}%, result() {med('result_s'):.2f}%, PortAudio/callback threads "
          f"{med('audio_threads_s'):.2f}%); dropped {statistics.median(r['dropped'] for r in rows):.0f}; "
          f"rate error {statistics.median(errs) if errs else float('nan'):.2f}/min "
          f"({len(errs)}/{len(rows)} runs with a reading); final status {[r['status'] for r in rows]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
