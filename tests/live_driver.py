"""A live session with the microphone in a process of its own, for the virtual-microphone tests
(PortAudio reads the PulseAudio server from the environment when it loads).

    python tests/live_driver.py CLIP [--play WAV] [--blank-from S] [--device pulse]

Opens the microphone (faint noise plays into it: the room) and replays CLIP at its own pace;
``paplay -d virtmic WAV`` (the clip's sound track) starts with the first frame; all through ``run_live`` (no window) with that microphone.  Prints one JSON object a line:
``{"event": "start", "t": monotonic}`` as the first frame is handed over, ``{"event": "done", ...}`` at the end.
``--blank-from S``: from S seconds on the frames show nobody (a grey picture).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np


def _say(**kw) -> None:
    print(json.dumps(kw), flush=True)


class Replay:
    """The replay source; ``on_first()`` runs as its first frame is handed over (the sound starts
    with the picture); from ``blank_from_s`` on its frames show nobody."""

    def __init__(self, src, *, on_first=None, blank_from_s: float | None = None):
        self.src, self.on_first, self.blank_from_s = src, on_first, blank_from_s

    def __iter__(self):
        from breathcam.types import Frame

        for f in self.src:
            if self.on_first is not None:
                self.on_first()
                self.on_first = None
            if self.blank_from_s is not None and f.t_s >= self.blank_from_s:
                f = Frame(f.index, f.t_s, np.full_like(f.image, 90))
            yield f

    def __getattr__(self, name):
        return getattr(self.src, name)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("clip")
    ap.add_argument("--play")
    ap.add_argument("--blank-from", type=float)
    ap.add_argument("--device", default="pulse")
    args = ap.parse_args()

    from breathcam.capture.audio import LiveMicrophone
    from breathcam.capture.video import ReplaySource
    from breathcam.live import run_live

    mic = LiveMicrophone.open(args.device)
    # the room: faint noise (about -65 dBFS) from the moment the microphone listens, as a real room
    # has (a null sink's digital silence would read as a muted microphone); the track starts with
    # the picture
    player = [subprocess.Popen(["paplay", "-d", "virtmic", "--raw", "--rate=8000", "--channels=1", "--format=s16le",
                                "--volume=6554", "/dev/urandom"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]

    def start():
        if args.play:
            player.append(subprocess.Popen(["paplay", "-d", "virtmic", args.play], stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL))
        _say(event="start", t=time.monotonic(), mic=mic.status)

    src = Replay(ReplaySource(args.clip), on_first=start, blank_from_s=args.blank_from)
    res = run_live(src, window=False, mic=mic)
    for p in player:
        p.kill()
        p.wait()
    a = res.analysis
    _say(event="done", rate_bpm=a.rate_bpm, sources=list(a.sources), notes=list(a.quality.notes),
         sound_rate_bpm=None if a.sound is None else a.sound.rate_bpm, sound_s=res.sound_s, sound_before_s=res.sound_before_s,
         mic_received_s=mic.seconds_received, mic_status=res.mic_status,
         mic_events=[(e.t_s, e.status, e.cause) for e in res.mic_events], live_rates=[list(x) for x in res.live_rates],
         frames=res.frames, dropped=res.dropped, duration_s=a.duration_s, breaths=len(a.breaths),
         latency_median_ms=float(np.median(res.latency_ms)) if res.latency_ms.size else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
