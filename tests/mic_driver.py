"""A live microphone in a process of its own, for the microphone tests (PortAudio reads the
PulseAudio server from the environment when it loads, so every test records in a fresh process).

    python tests/mic_driver.py [--device pulse] [--rate 48000] [--seconds 20] [--analyze]

Prints one JSON object a line: ``{"event": "open", ...}`` after LiveMicrophone.open, one line per
status change (``"event": "status"``), ``"flowing"`` when the first block arrives, and ``"done"``
with the figures at the end.  Reads commands from stdin: ``close`` closes the microphone at once
(the run then ends), ``quit`` ends the run.  poll() runs every 20 ms, like a video loop's frames.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import threading
import time
from dataclasses import replace


def _say(**kw) -> None:
    print(json.dumps(kw), flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default=None)
    ap.add_argument("--rate", type=float, default=None)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--analyze", action="store_true", help="feed a SoundAnalyzer and report its rate and level")
    ap.add_argument("--open-timeout", type=float, default=None)
    args = ap.parse_args()

    from breathcam.capture.audio import LiveMicrophone
    from breathcam.config import DEFAULT

    sc = DEFAULT.sound if args.open_timeout is None else replace(DEFAULT.sound, mic_open_timeout_s=args.open_timeout)
    commands: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [commands.put(line.strip()) for line in sys.stdin], daemon=True).start()

    t0 = time.monotonic()
    device = int(args.device) if args.device and args.device.isdigit() else args.device
    mic = LiveMicrophone.open(device, rate_hz=args.rate, config=sc)
    _say(event="open", t=time.monotonic(), open_s=round(time.monotonic() - t0, 3), status=mic.status, cause=mic.cause,
         message=mic.message, name=mic.name, source_rate_hz=mic.source_rate_hz)
    analyzer = None
    if args.analyze:
        from breathcam.signals.sound import SoundAnalyzer

        analyzer = SoundAnalyzer(fs_hz=mic.rate_hz, source_rate_hz=mic.source_rate_hz)
    seen = len(mic.events)
    times, sizes, levels, chunks = [], [], [], []
    first = None
    close_s = None
    while time.monotonic() - t0 < args.seconds and mic.status != "unavailable":
        for b in mic.poll():
            times.append(b.t_s)
            sizes.append(int(b.samples.size))
            if analyzer is not None:
                analyzer.push(b.samples)
                chunks.append(b.samples)
                lv = analyzer.level()
                if lv is not None:
                    levels.append((lv.t_s, lv.above_floor_db, lv.audible))
        if first is None and times:
            first = time.monotonic()
            _say(event="flowing", t=first, t_s=times[0])
        for e in mic.events[seen:]:
            _say(event="status", t=e.t_s, status=e.status, cause=e.cause, message=e.message,
                 samples=sum(sizes), blocks=len(sizes))
        seen = len(mic.events)
        try:
            cmd = commands.get_nowait()
        except queue.Empty:
            cmd = None
        if cmd == "close":
            c = time.monotonic()
            mic.close()
            mic.close()
            close_s = round(time.monotonic() - c, 3)
            _say(event="closed", close_s=close_s)
            break
        if cmd == "quit":
            break
        time.sleep(0.02)
    if close_s is None:
        c = time.monotonic()
        mic.close()
        mic.close()
        close_s = round(time.monotonic() - c, 3)
    out = dict(event="done", status=mic.status, cause=mic.cause, message=mic.message, samples=sum(sizes), blocks=len(sizes),
               dropped=mic.dropped_blocks, first_t_s=times[0] if times else None, last_t_s=times[-1] if times else None,
               close_s=close_s, events=[(e.t_s, e.status, e.cause) for e in mic.events], rate_hz=mic.rate_hz)
    if len(times) > 1:
        import numpy as np

        gaps = np.diff(times) - np.array(sizes[:-1]) / mic.rate_hz
        out["max_gap_s"] = float(np.max(np.abs(gaps)))
    if analyzer is not None:
        import numpy as np

        from breathcam.signals.sound import analyze_audio_samples
        from breathcam.capture.audio import to_internal

        r = analyzer.result()
        out.update(live_rate=r.rate_bpm, audible=float(np.mean([a for _, _, a in levels])) if levels else None,
                   level_max_db=max((d for _, d, _ in levels), default=None))
        if chunks:
            x = np.concatenate(chunks)
            out["batch_rate"] = analyze_audio_samples(to_internal(x, fs_hz=mic.rate_hz, name="mic", kind="microphone")).rate_bpm
            out["rms"] = float(np.std(x))
    _say(**out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
