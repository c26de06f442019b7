"""The live loop: a source and a microphone in, a :class:`LiveSession` in the middle, sinks out.

:func:`run_live` wires them and does nothing else: each frame, with the sound blocks that arrived
since the last one (moved onto the frames' clock), goes to ``LiveSession.step``; the view it
returns is drawn and handed to the sinks (window, video file, none); a key the window reports
(quit, pause, recalibrate) goes back to the session.  :func:`render_overlay_video` puts the same
overlay onto a recorded clip as fast as it decodes (``breathcam analyze CLIP --video``).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from breathcam.config import DEFAULT, Config
from breathcam.live.session import LiveSession
from breathcam.live.sinks import WINDOW_NAME, NullSink, Sinks, VideoSink, WindowSink, render
from breathcam.types import Analysis, BreathcamError, LiveState

if TYPE_CHECKING:
    from breathcam.coach.safety import SafetyAck

__all__ = ["LiveResult", "OnUpdate", "run_live", "render_overlay_video", "WINDOW_NAME", "open_mic"]

OnUpdate = Callable[[LiveState, "Analysis | None"], None]


@dataclass(frozen=True)
class LiveResult:
    """What a live session produced."""

    analysis: Analysis  # the contract (+ feedback, + compliance for exercises, + sound when heard)
    frames: int  # frames analysed
    dropped: int  # frames the replay dropped because the loop was slower than real time
    wall_s: float
    ended_reason: str | None
    latency_ms: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)
    safety: SafetyAck | None = None  # the confirmed safety screen of an intense exercise
    online_rate_bpm: float | None = None  # the online analyzer's rate over its committed breaths
    online_holds_flagged: tuple[tuple[float, float], ...] = ()  # (hold start, time first flagged open)
    mic_status: str | None = None  # None: no microphone asked for; else LiveMicrophone's last status
    mic_events: tuple = ()  # capture.audio.MicEvent, every status change
    sound_s: float = 0.0  # seconds of sound analysed
    sound_before_s: float = 0.0  # seconds heard before the first frame (left out of the session)
    audio_cpu_s: float = 0.0  # CPU time of the loop's audio path (poll + the session's sound analysis)
    live_rates: tuple[tuple[float, float | None, tuple[str, ...]], ...] = ()  # (t, shown rate, sources) once a second


def _open(source, *, realtime: bool, replay_speed: float, config: Config):
    from breathcam.capture.video import FileSource, ReplaySource, open_source

    if not isinstance(source, (str, int, Path)):
        return source  # a frame source already (tests: a source that blanks frames)
    spec = str(source)
    if isinstance(source, int) or (spec.isdigit() and not Path(spec).exists()):
        return open_source(int(spec), config=config.video)
    if realtime:
        return ReplaySource(spec, speed=replay_speed, config=config.video)
    return FileSource(spec, config=config.video)


def open_mic(mic, *, config: Config = DEFAULT):
    """The session's microphone: ``False``/None -> none; ``True`` -> the default input; an index or a
    name -> that device; an opened LiveMicrophone is used as it is.  Never raises."""
    from breathcam.capture.audio import LiveMicrophone

    if mic is None or mic is False:
        return None
    if isinstance(mic, LiveMicrophone):
        return mic
    device = None if mic is True else (int(mic) if isinstance(mic, str) and mic.isdigit() else mic)
    return LiveMicrophone.open(device, config=config.sound)


def _acknowledge_safety(ex, *, window_sink, lang: str, interactive: bool, input_fn, output):
    """The safety screen for an intense exercise: returns the SafetyAck or raises BreathcamError."""
    from breathcam.coach import safety

    if not safety.needs_screen(ex):
        return None
    if window_sink is not None:
        ack = window_sink.confirm_safety(ex, lang=lang)
    else:
        if not interactive:
            raise safety.refuse_non_interactive(ex, lang=lang)
        ack = safety.confirm_in_terminal(ex, lang=lang, input_fn=input_fn, output=output)
    if ack is None:
        raise BreathcamError("the safety screen was not confirmed: the exercise did not start")
    return ack


def _hand_on(on_update: OnUpdate | None, state: LiveState, analysis: Analysis | None = None) -> None:
    """The one place a session's results leave the loop (ongoing: analysis None; finished: set)."""
    if on_update is not None:
        on_update(state, analysis)


def run_live(
    source,
    *,
    config: Config = DEFAULT,
    lang: str = "en",
    window: bool = True,
    video_path: str | Path | None = None,
    exercise: str | None = None,
    cycles: int | None = None,
    duration_s: float | None = None,
    realtime: bool = True,
    replay_speed: float = 1.0,
    on_update: OnUpdate | None = None,
    interactive: bool | None = None,
    input_fn=input,
    output=sys.stdout,
    mic=False,
) -> LiveResult:
    """Run one live session; see the package docstring (breathcam.live).  ``mic``: see :func:`open_mic`.
    Raises InputError for an unusable source and BreathcamError for an exercise whose safety screen
    is not confirmed."""
    if lang not in ("en", "nl"):
        raise BreathcamError(f"unknown language {lang!r}; choose en or nl")
    if duration_s is not None and not (math.isfinite(duration_s) and duration_s > 0):
        raise BreathcamError("--duration must be a positive number of seconds")
    ex = None
    if exercise is not None:
        try:
            from breathcam.coach.exercises import get_exercise
        except ImportError:
            raise BreathcamError("exercises need the breathcam.coach package, which is not installed") from None
        ex = get_exercise(exercise)
    if interactive is None:
        interactive = bool(getattr(sys.stdin, "isatty", lambda: False)())
    if window and video_path is None and not _display_available():
        raise BreathcamError("no display to open a window on (DISPLAY is not set); use --no-window")
    window_sink = WindowSink(config=config) if window else None
    ack = None
    if ex is not None:
        try:
            ack = _acknowledge_safety(ex, window_sink=window_sink, lang=lang, interactive=interactive,
                                      input_fn=input_fn, output=output)
        except BaseException:
            if window_sink is not None:
                window_sink.close()
            raise
    video_sink = None
    if video_path is not None:
        video_sink = VideoSink(video_path, fps=30.0)  # checks the folder now; the rate is set below
    src = _open(source, realtime=realtime, replay_speed=replay_speed, config=config)
    if video_sink is not None:
        video_sink.fps = getattr(getattr(src, "info", None), "fps_nominal", 30.0) or 30.0
        if not math.isfinite(video_sink.fps) or video_sink.fps <= 0:
            video_sink.fps = 30.0
    sinks = Sinks([window_sink, video_sink]) if (window_sink or video_sink) else NullSink()
    microphone = open_mic(mic, config=config)
    session = LiveSession(config=config, lang=lang, exercise=ex, cycles=cycles, duration_s=duration_s,
                          sound=microphone is not None, source=str(source))
    reported = None
    if microphone is not None:
        session.mic_status(microphone.status, microphone.message, t_s=0.0)
        reported = (microphone.status, microphone.cause)
    latencies: list[float] = []
    poll_cpu = 0.0  # CPU time of the microphone's poll (drain, resampling, status)
    live_rates: list = []
    last_hand_on = -math.inf
    offset: float | None = None  # monotonic time - frame time
    last_image = None
    state = None
    stopped: str | None = None
    wall0 = time.monotonic()
    try:
        for frame in src:
            t_recv = time.monotonic()
            if offset is None:
                offset = t_recv - frame.t_s
            blocks = ()
            if microphone is not None:
                c0 = time.thread_time()
                blocks = [replace(b, t_s=b.t_s - offset) for b in microphone.poll()]
                poll_cpu += time.thread_time() - c0
                if (microphone.status, microphone.cause) != reported:
                    reported = (microphone.status, microphone.cause)
                    session.mic_status(microphone.status, microphone.message, t_s=frame.t_s)
            view = session.step(frame, blocks)
            state = view.state
            action = sinks.show(render(frame.image, view, lang=lang, config=config))
            if action == "quit":
                stopped = "user"
                break
            if action == "pause":
                session.toggle_pause()
            elif action == "recalibrate":
                session.recalibrate()
            latencies.append(1000.0 * (time.monotonic() - t_recv))
            last_image = frame.image
            if frame.t_s - last_hand_on >= config.live.update_interval_s:
                last_hand_on = frame.t_s
                live_rates.append((round(frame.t_s, 3), state.rate_bpm, view.sources))
                _hand_on(on_update, state)
            if view.done:
                break
    except KeyboardInterrupt:
        stopped = "interrupted"
    finally:
        src.close()
        if video_sink is not None:
            video_sink.close()
    ended = getattr(src, "ended_reason", None)
    if window_sink is not None:
        if ended and last_image is not None:
            window_sink.camera_lost(last_image, lang)  # the camera went away: say so, keep what was measured
        window_sink.close()
    if microphone is not None:
        # what is still queued is kept, then the microphone is let go
        if offset is not None:
            session.push_sound([replace(b, t_s=b.t_s - offset) for b in microphone.poll()])
        if (microphone.status, microphone.cause) != reported:
            session.mic_status(microphone.status, microphone.message)
        microphone.close()
    notes = tuple(getattr(src, "notes", ()))
    if ended:
        notes += (ended,)
    online_rate, _ = session.committed_rate()
    analysis = session.finish(notes=notes)
    _hand_on(on_update, session.analyzer.state, analysis)
    return LiveResult(
        analysis=analysis,
        frames=session.frames,
        dropped=int(getattr(src, "dropped", 0)),
        wall_s=time.monotonic() - wall0,
        ended_reason=ended,
        latency_ms=np.asarray(latencies),
        safety=ack,
        online_rate_bpm=online_rate,
        online_holds_flagged=tuple(sorted(session.flagged.items())),
        mic_status=None if microphone is None else microphone.status,
        mic_events=() if microphone is None else tuple(microphone.events),
        sound_s=round(session.sound_seconds, 3),
        sound_before_s=round(session.sound_before_s, 3),
        audio_cpu_s=poll_cpu + session.sound_cpu_s,
        live_rates=tuple(live_rates),
    )


def render_overlay_video(clip: str | Path, video_path: str | Path, *, config: Config = DEFAULT, lang: str = "en") -> LiveResult:
    """The live overlay drawn onto a recorded clip, written to ``video_path`` as fast as the clip
    decodes; the analysis is that of ``breathcam analyze`` on the same clip."""
    from breathcam.pipeline import sound_of_track
    from breathcam.signals.fuse import fuse

    res = run_live(str(clip), config=config, lang=lang, window=False, video_path=video_path, realtime=False)
    # the JSON stays that of plain `analyze`: no feedback list, and the clip's own sound track fused
    analysis = fuse(replace(res.analysis, feedback=()), sound_of_track(clip, config=config), config=config)
    return replace(res, analysis=analysis)


def _display_available() -> bool:
    import os

    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True
