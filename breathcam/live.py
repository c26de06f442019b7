"""The live loop: source -> pose -> online analyzer -> coach -> overlay -> window / video / nothing.

:func:`run_live` drives one session from a camera (an index) or a clip replayed at its own pace
(the camera stand-in), optionally with a paced exercise; :func:`render_overlay_video` puts the
same overlay onto a recorded clip as fast as it decodes (``breathcam analyze CLIP --video``).

Keys in the window: ``q`` / Esc quit, ``p`` / space pause (frames are shown, not analysed; the
pacer waits), ``r`` recalibrate (pose starts afresh and re-finds the torso).  A camera that stops
delivering (or a clip that ends) ends the session: the window shows a message for
``[live] lost_camera_message_s``, and everything measured is analysed and returned.

Everything a session produces is handed on in one place, :func:`_hand_on`: about once a second with
the current :class:`LiveState`, and once at the end with the session's :class:`Analysis` too
(``on_update(state, analysis)``); a session store can subscribe there.

Intense exercises (``Exercise.intense``) start only after the safety screen is acknowledged: in
the window by a key (y / j), on a terminal by typing the word it asks for.  Nothing bypasses it:
a run with neither a window nor an interactive terminal refuses with a clear message.

Where it fails: the pacer's clock and the compliance score use session time, so a pause shifts
the pacer against the measured breaths until the next breath re-aligns nothing (compliance over a
paused session is approximate); "too much motion" is not measured yet; a window needs a display
(DISPLAY on Linux), else use --no-window.
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
from breathcam.types import Analysis, BreathcamError, InputError, LiveState

if TYPE_CHECKING:
    from breathcam.coach.safety import SafetyAck

__all__ = ["LiveResult", "OnUpdate", "run_live", "render_overlay_video", "WINDOW_NAME"]

WINDOW_NAME = "breathcam"
# Key codes (cv2.waitKey & 0xFF).
_KEYS_QUIT = {ord("q"), 27}
_KEYS_PAUSE = {ord("p"), ord(" ")}
_KEYS_RECAL = {ord("r")}

OnUpdate = Callable[[LiveState, "Analysis | None"], None]


@dataclass(frozen=True)
class LiveResult:
    """What a live session produced."""

    analysis: Analysis  # the contract (+ feedback, + compliance for exercises)
    frames: int  # frames analysed
    dropped: int  # frames the replay dropped because the loop was slower than real time
    wall_s: float
    ended_reason: str | None
    latency_ms: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False, repr=False)
    safety: SafetyAck | None = None  # the confirmed safety screen of an intense exercise
    online_rate_bpm: float | None = None  # the online analyzer's rate over its committed breaths
    online_holds_flagged: tuple[tuple[float, float], ...] = ()  # (hold start, time first flagged open)


def _coach():
    """The coach modules, or None while they are not installed (plain live sessions still run)."""
    try:
        from breathcam.coach import compliance, exercises, feedback, pacer, safety

        return {"compliance": compliance, "exercises": exercises, "feedback": feedback, "pacer": pacer, "safety": safety}
    except ImportError:
        return None


def _open(source: str | int, *, realtime: bool, replay_speed: float, config: Config):
    from breathcam.capture.video import FileSource, ReplaySource, open_source

    spec = str(source)
    if isinstance(source, int) or (spec.isdigit() and not Path(spec).exists()):
        return open_source(int(spec), config=config.video)
    if realtime:
        return ReplaySource(spec, speed=replay_speed, config=config.video)
    return FileSource(spec, config=config.video)


def _too_dark(image: np.ndarray, *, config: Config) -> bool:
    small = image[:: config.live.dark_stride_px, :: config.live.dark_stride_px]
    return float(small.mean()) < config.live.dark_mean_grey


def _acknowledge_safety(ex, *, coach, lang: str, window: bool, interactive: bool, input_fn, output, config: Config):
    """The safety screen for an intense exercise: returns the SafetyAck or raises BreathcamError."""
    safety = coach["safety"]
    if not safety.needs_screen(ex):
        return None
    if window:
        from breathcam._deps import cv2
        from breathcam.coach.messages import message
        from breathcam.overlay.draw import draw_screen

        cv = cv2()
        img = np.zeros((480, 640, 3), np.uint8)
        lines = safety.safety_text(lang).splitlines() + ["", message("safety_key_prompt", lang)]
        draw_screen(img, lines, style=config.overlay, title=coach["exercises"].exercise_title(ex, lang))
        _show(cv, img)
        while True:
            key = cv.waitKey(100)
            if key >= 0 and (key & 0xFF) not in _KEYS_QUIT:
                ack = safety.confirm_key(ex, key, lang=lang)
                if ack is not None:
                    return ack
            if (key >= 0 and (key & 0xFF) in _KEYS_QUIT) or _window_closed(cv):
                raise BreathcamError("the safety screen was not confirmed: the exercise did not start")
    if not interactive:
        raise safety.refuse_non_interactive(ex, lang=lang)
    ack = safety.confirm_in_terminal(ex, lang=lang, input_fn=input_fn, output=output)
    if ack is None:
        raise BreathcamError("the safety screen was not confirmed: the exercise did not start")
    return ack


def _show(cv, img: np.ndarray) -> None:
    if not getattr(_show, "created", False):
        cv.namedWindow(WINDOW_NAME, cv.WINDOW_AUTOSIZE | getattr(cv, "WINDOW_GUI_NORMAL", 0))
        cv.moveWindow(WINDOW_NAME, 0, 0)
        _show.created = True
    cv.imshow(WINDOW_NAME, img)


def _window_closed(cv) -> bool:
    try:
        return cv.getWindowProperty(WINDOW_NAME, cv.WND_PROP_VISIBLE) < 1
    except cv.error:
        return True


def _hand_on(on_update: OnUpdate | None, state: LiveState, analysis: Analysis | None = None) -> None:
    """The one place a session's results leave the loop (ongoing: analysis None; finished: set)."""
    if on_update is not None:
        on_update(state, analysis)


def run_live(
    source: str | int,
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
) -> LiveResult:
    """Run one live session; see the module docstring.  Raises InputError for an unusable source
    and BreathcamError for an exercise whose safety screen is not confirmed."""
    from breathcam._deps import cv2
    from breathcam.overlay.draw import draw_message, draw_overlay, label
    from breathcam.signals.online import OnlineAnalyzer

    if lang not in ("en", "nl"):
        raise BreathcamError(f"unknown language {lang!r}; choose en or nl")
    if duration_s is not None and not (math.isfinite(duration_s) and duration_s > 0):
        raise BreathcamError("--duration must be a positive number of seconds")
    coach = _coach()
    ex = None
    if exercise is not None:
        if coach is None:
            raise BreathcamError("exercises need the breathcam.coach package, which is not installed")
        ex = coach["exercises"].get_exercise(exercise)
    if interactive is None:
        interactive = bool(getattr(sys.stdin, "isatty", lambda: False)())
    if window and video_path is None and not _display_available():
        raise BreathcamError("no display to open a window on (DISPLAY is not set); use --no-window")
    cv = cv2()
    ack = None
    if ex is not None:
        ack = _acknowledge_safety(
            ex, coach=coach, lang=lang, window=window, interactive=interactive, input_fn=input_fn,
            output=output, config=config,
        )
    if video_path is not None:
        out = Path(video_path)
        if out.parent and not out.parent.exists():
            raise BreathcamError(f"cannot write {out}: folder {out.parent} does not exist")

    src = _open(source, realtime=realtime, replay_speed=replay_speed, config=config)
    analyzer = OnlineAnalyzer(config=config)
    engine = coach["feedback"].FeedbackEngine(config=config.coach, lang=lang) if coach is not None else None
    writer = None
    latencies: list[float] = []
    frames = 0
    paused = False
    paused_total = 0.0
    pause_started: float | None = None
    t_first: float | None = None
    last_hand_on = -math.inf
    last_compliance = None
    stopped: str | None = None
    flagged: dict[float, float] = {}
    last_image = None
    wall0 = time.monotonic()
    try:
        for frame in src:
            t_recv = time.monotonic()
            if t_first is None:
                t_first = frame.t_s
            t_rel = frame.t_s - t_first
            if paused:
                state = replace(analyzer.state, paused=True, t_s=frame.t_s)
            else:
                state = analyzer.update(frame)
                frames += 1
                if state.open_hold_start_s is not None:
                    flagged.setdefault(state.open_hold_start_s, frame.t_s)
            ex_t = t_rel - paused_total - (time.monotonic() - pause_started if paused and pause_started else 0.0)
            pacer = None
            if ex is not None and stopped is None:
                pacer = coach["pacer"].pacer_state(ex, ex_t, cycles=cycles, duration_s=duration_s)
            message, warn = None, False
            if engine is not None and not paused:
                inp = _coach_input(coach, state, pacer=pacer, ex=ex, image=frame.image, config=config)
                engine.update(inp)
                ev = engine.current(frame.t_s)
                if ev is not None:
                    message, warn = ev.message, ev.code in ("distress_stop", "hyperventilation")
                    if ev.code == "distress_stop" and ex is not None and stopped is None:
                        stopped = "distress"
            if ex is not None and frame.t_s - last_hand_on >= config.live.update_interval_s:
                last_compliance = coach["compliance"].compliance(
                    ex, breaths=state.breaths, holds=state.holds, t0_s=t_first, t_end_s=frame.t_s
                )
            img = draw_overlay(
                frame.image.copy(),
                state,
                pacer=pacer,
                pacer_text=coach["pacer"].phase_name(pacer.phase, lang) if pacer is not None else None,
                compliance=None if last_compliance is None else last_compliance.score,
                message=message,
                warn=warn,
                lang=lang,
                wave_s=config.live.wave_s,
                style=config.overlay,
            )
            if writer is None and video_path is not None:
                writer = _writer(cv, video_path, img, fps=src.info.fps_nominal)
            if writer is not None:
                writer.write(img)
            if window:
                _show(cv, img)
                key = cv.waitKey(1) & 0xFF
                if key in _KEYS_QUIT or _window_closed(cv):
                    stopped = stopped or "user"
                    break
                if key in _KEYS_PAUSE:
                    paused = not paused
                    if paused:
                        pause_started = time.monotonic()
                    elif pause_started is not None:
                        paused_total += time.monotonic() - pause_started
                        pause_started = None
                if key in _KEYS_RECAL:
                    analyzer.recalibrate()
            latencies.append(1000.0 * (time.monotonic() - t_recv))
            last_image = frame.image
            if frame.t_s - last_hand_on >= config.live.update_interval_s:
                last_hand_on = frame.t_s
                _hand_on(on_update, state)
            if pacer is not None and pacer.done:
                break
            if ex is None and duration_s is not None and t_rel >= duration_s:
                break
    except KeyboardInterrupt:
        stopped = "interrupted"
    finally:
        src.close()
        if writer is not None:
            writer.release()
    ended = getattr(src, "ended_reason", None)
    if window and ended and last_image is not None:
        # the camera went away: say so, then keep what was measured
        img = draw_message(last_image.copy(), label("camera_lost", lang), style=config.overlay, warn=True)
        _show(cv, img)
        until = time.monotonic() + config.live.lost_camera_message_s
        while time.monotonic() < until:
            if (cv.waitKey(50) & 0xFF) in _KEYS_QUIT:
                break
    if window:
        cv.destroyAllWindows()
        cv.waitKey(1)
        _show.created = False
    state = analyzer.flush()
    online_rate, _ = analyzer.committed_rate()
    notes = tuple(getattr(src, "notes", ()))
    if ended:
        notes += (ended,)
    if stopped == "distress":
        notes += ("exercise stopped: breathing looked distressed",)
    analysis = analyzer.session_analysis(source=str(source), notes=notes)
    analyzer.close()
    if engine is not None:
        analysis = replace(analysis, feedback=tuple(engine.events))
    if ex is not None:
        tr = analysis.traces
        final = coach["compliance"].compliance(
            ex, breaths=analysis.breaths, holds=analysis.holds, t0_s=t_first or 0.0,
            t_end_s=float(tr.t_s[-1]) if tr is not None and len(tr.t_s) else (t_first or 0.0),
            trace_t_s=None if tr is None else tr.t_s, trace=None if tr is None else tr.breathing,
        )
        analysis = replace(analysis, compliance=final)
    _hand_on(on_update, state, analysis)
    return LiveResult(
        analysis=analysis,
        frames=frames,
        dropped=int(getattr(src, "dropped", 0)),
        wall_s=time.monotonic() - wall0,
        ended_reason=ended,
        latency_ms=np.asarray(latencies),
        safety=ack,
        online_rate_bpm=online_rate,
        online_holds_flagged=tuple(sorted(flagged.items())),
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


def _writer(cv, path: str | Path, img: np.ndarray, *, fps: float):
    h, w = img.shape[:2]
    fps = fps if math.isfinite(fps) and fps > 0 else 30.0
    fourcc = "MJPG" if str(path).lower().endswith(".avi") else "mp4v"
    writer = cv.VideoWriter(str(path), cv.VideoWriter_fourcc(*fourcc), float(fps), (w, h))
    if not writer.isOpened():
        raise InputError(f"OpenCV cannot write {path}; use a .mp4 or .avi file name")
    return writer


def _display_available() -> bool:
    import os

    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _coach_input(coach, state: LiveState, *, pacer, ex, image: np.ndarray, config: Config):
    fb = coach["feedback"]
    regions = state.regions
    recent = config.live.coach_recent_breaths
    return fb.CoachInput(
        t_s=state.t_s,
        rate_bpm=state.rate_bpm,
        rate_confidence=state.rate_confidence,
        breaths=tuple(state.breaths[-recent:]),
        holds=tuple(state.holds[-recent:]),
        open_hold_s=state.open_hold_s,
        open_hold_after=state.open_hold_after,
        pattern_label=state.pattern_label,
        belly_share=state.belly_share,
        pacer=pacer,
        exercise=ex,
        person_seen=state.person_seen,
        too_dark=_too_dark(image, config=config),
        too_much_motion=False,
        belly_in_view=True if regions is None else bool(regions.belly_in_view),
        moving=state.moving,
        reps=state.reps,
    )
