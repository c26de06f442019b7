"""The guided assessment on a camera or a clip: the live session with the protocol on top.

:func:`run_assessment` feeds every frame to one :class:`~breathcam.live.session.LiveSession` (the
online analyzer, the one analysis core at the end) while a :class:`~breathcam.assess.protocol.Timeline`
says which step runs; the window (or nothing, headless) shows the step's title, instruction and
countdown over the live overlay.  Keys: ``n`` next step (skip), ``m`` (or Enter) marks the hold's
start and the first breath after it (the control pause's fallback and cross-check), ``q`` / Esc
stops.  Headless runs take the same keys as ``keys=[(t_s, "n"), ...]`` on the session's clock.

After the last camera step the session is finished once (``LiveSession.finish``) and cut into the
steps' windows: observations (assess.observe), the control pause (assess.control_pause) and the
pattern flags (assess.patterns); then the Nijmegen questionnaire (given, asked, or none).

Nothing recorded is lost: a camera that stops, a person who leaves, Ctrl-C or ``q`` end the camera
steps there; everything measured until then is analysed and returned, the step under way marked
"cut short" and the later ones "not done".
"""

from __future__ import annotations

import math
import sys
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

from breathcam.assess.control_pause import control_pause
from breathcam.assess.nijmegen import Nijmegen, ask
from breathcam.assess.observe import observe
from breathcam.assess.patterns import flag_patterns
from breathcam.assess.protocol import CAMERA_STEPS, Timeline, plan
from breathcam.assess.result import Assessment, StepResult
from breathcam.assess.texts import t
from breathcam.config import DEFAULT, Config
from breathcam.types import BreathcamError

__all__ = ["run_assessment", "recorded_at", "KEY_SKIP", "KEY_MARK"]

KEY_SKIP = frozenset({ord("n")})
KEY_MARK = frozenset({ord("m"), 13, 10})


def recorded_at(source) -> str | None:
    """A clip's recording date: its container's creation time when OpenCV... is not enough, so the
    file's modification time (local, ISO); None for a camera."""
    p = Path(str(source))
    if not p.is_file():
        return None
    try:
        return datetime.fromtimestamp(p.stat().st_mtime).isoformat(timespec="seconds")
    except OSError:
        return None


def _open(source, *, realtime: bool, config: Config):
    from breathcam.capture.video import FileSource, ReplaySource, open_source

    if not isinstance(source, (str, int, Path)):
        return source  # a frame source already (tests)
    spec = str(source)
    if isinstance(source, int) or (spec.isdigit() and not Path(spec).exists()):
        return open_source(int(spec), config=config.video)
    return ReplaySource(spec, config=config.video) if realtime else FileSource(spec, config=config.video)


class _Window:
    """The live window with the assessment's keys (n, m) besides quit."""

    def __init__(self, config: Config) -> None:
        from breathcam.live.sinks import WindowSink

        self.sink = WindowSink(config=config)

    def show(self, img) -> str | None:
        from breathcam.live.sinks import key_action

        self.sink._show(img)
        key = self.sink.cv.waitKey(1)
        if key >= 0 and (key & 0xFF) in KEY_SKIP:
            return "skip"
        if key >= 0 and (key & 0xFF) in KEY_MARK:
            return "mark"
        action = key_action(key)
        if action == "quit" or (action is None and self.sink.closed()):
            return "quit"
        return None

    def close(self) -> None:
        self.sink.close()


def banner_lines(now, *, lang: str, index: int, total: int) -> list[str]:
    """The step's lines on screen: title with its number, instruction, countdown or time left."""
    s = now.step
    title = t(f"{s.kind}_title", lang)
    left = max(0, int(math.ceil(now.left_s)))
    when = t("starts_in", lang, s=left) if now.phase == "countdown" else t("left", lang, s=left)
    return [f"{index}/{total} {title}: {when}", t(f"{s.kind}_do", lang), t("keys", lang)]


def _draw_banner(img, lines: Sequence[str], *, config: Config):
    from breathcam._deps import cv2

    cv = cv2()
    h, w = img.shape[:2]
    out = img.copy()
    box_h = 22 * len(lines) + 12
    y0 = h - box_h
    out[y0:, :] = (0.35 * out[y0:, :]).astype(out.dtype)
    for k, line in enumerate(lines):
        scale = 0.6 if k == 0 else 0.45
        cv.putText(out, line, (10, y0 + 22 * (k + 1)), cv.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv.LINE_AA)
    return out


def _cp_done(state, step, *, now_s: float, config: Config) -> bool:
    """On a camera: a hold of control-pause length was seen in the step and a breath followed it
    at least [assess] hold_after_s ago."""
    c = config.assess
    for h in state.holds:
        if h.start >= step.run_s - 1.0 and h.duration_s >= c.min_control_pause_s:
            after = [b for b in state.breaths if b.inhale_start >= h.end - 1.0]
            if after and now_s - after[0].inhale_start >= c.hold_after_s:
                return True
    return False


def run_assessment(
    source,
    *,
    steps: Sequence[str] = ("rest", "hold", "nijmegen"),
    config: Config = DEFAULT,
    lang: str = "en",
    client: str | None = None,
    window: bool = False,
    realtime: bool = False,
    nijmegen: Nijmegen | str | None = "ask",
    keys: Sequence[tuple[float, str]] = (),
    input_fn: Callable[[str], str] = input,
    output=None,
    announce: Callable[[str], None] | None = None,
) -> Assessment:
    """Run the protocol on ``source`` (a camera index, a clip, or a frame source) and return the
    :class:`Assessment`.  ``nijmegen``: the answers, "ask" (on the terminal when it is one), or
    None.  ``announce`` receives each step's announcement line (the terminal, headless)."""
    if lang not in ("en", "nl"):
        raise BreathcamError(f"unknown language {lang!r}; choose en or nl")
    out = output or sys.stdout
    started = datetime.now().isoformat(timespec="seconds")
    cam_steps = tuple(s for s in steps if s in CAMERA_STEPS)
    notes: list[str] = []
    results: list[StepResult] = []
    analysis = None
    timeline = None
    camera_error = None
    if cam_steps:
        try:
            analysis, timeline, results, more = _camera_steps(
                source, steps=cam_steps, config=config, lang=lang, window=window, realtime=realtime, keys=keys,
                announce=announce)
            notes += more
        except BreathcamError as exc:
            # no camera, an unreadable clip, no display: the questionnaire still runs and is kept
            camera_error = str(exc)
            results = [StepResult(k, "not done") for k in cam_steps]
            notes.append(f"camera steps not done: {exc}")
    rest = standing = moving = cp = None
    if analysis is not None:
        windows = {r.kind: (r.start_s, r.end_s) for r in results if r.start_s is not None and r.end_s > r.start_s}
        reps = analysis.movement.reps if analysis.movement is not None else ()
        obs = {k: observe(analysis.breaths, analysis.holds, window=w, kind=k,
                          min_breaths=config.report.min_breaths_variability,
                          pattern_confidence=analysis.pattern.confidence, reps=reps)
               for k, w in windows.items() if k in ("rest", "standing", "moving")}
        rest, standing, moving = obs.get("rest"), obs.get("standing"), obs.get("moving")
        if "hold" in windows:
            cp = control_pause(analysis.holds, analysis.breaths, window=windows["hold"], keys=timeline.marks,
                               config=config.assess)
    patterns = flag_patterns(rest, paradoxical=None if analysis is None else analysis.pattern.paradoxical,
                             config=config.assess) if "rest" in steps else ()
    nij = None
    if "nijmegen" in steps:
        if isinstance(nijmegen, Nijmegen):
            nij = nijmegen
        elif nijmegen == "ask":
            if getattr(sys.stdin, "isatty", lambda: False)() or input_fn is not input:
                nij = ask(lang=lang, input_fn=input_fn, output=out, config=config.assess)
            else:
                notes.append("Nijmegen questionnaire not asked: no terminal (give --nijmegen)")
        results.append(StepResult("nijmegen", "done" if nij is not None else "not done"))
    return Assessment(
        client=client, lang=lang, started_at=started, source=_source_name(source), recorded_at=recorded_at(source),
        steps=tuple(results), rest=rest, standing=standing, moving=moving, control_pause=cp,
        patterns=patterns, nijmegen=nij, notes=tuple(dict.fromkeys(notes)), analysis=analysis,
        camera_error=camera_error,
    )


def _camera_steps(source, *, steps, config: Config, lang: str, window: bool, realtime: bool, keys, announce):
    from breathcam.live.session import LiveSession

    if window and not _display_available():
        raise BreathcamError("no display to open a window on (DISPLAY is not set); use --no-window")
    src = _open(source, realtime=realtime, config=config)  # InputError: no camera, unreadable clip
    is_camera = getattr(getattr(src, "info", None), "kind", "") == "camera"
    win = _Window(config) if window else None
    session = LiveSession(config=config, lang=lang, source=str(source))
    pending = sorted(keys, key=lambda kv: kv[0])
    timeline: Timeline | None = None
    announced = -1
    stopped = None
    t_last = None
    try:
        for frame in src:
            if timeline is None:
                timeline = Timeline(plan(steps=steps, config=config.assess, t0_s=frame.t_s))
            t_last = frame.t_s
            now = timeline.at(frame.t_s)
            if now.done:
                break
            if now.index != announced:
                announced = now.index
                line = t("step_start", lang, k=now.index + 1, n=len(timeline.steps),
                         title=t(f"{now.step.kind}_title", lang), do=t(f"{now.step.kind}_do", lang))
                if announce is not None:
                    announce(line)
            view = session.step(frame)
            action = None
            while pending and pending[0][0] <= frame.t_s:
                action = {"n": "skip", "m": "mark", "q": "quit"}.get(pending.pop(0)[1], action)
                _act(action, timeline, frame.t_s)
                if action == "quit":
                    break
            if win is not None:
                from breathcam.live.sinks import render

                img = render(frame.image, view, lang=lang, config=config)
                img = _draw_banner(img, banner_lines(now, lang=lang, index=now.index + 1, total=len(timeline.steps)),
                                   config=config)
                action = win.show(img) or action
                _act(action if action != "quit" else None, timeline, frame.t_s)
            if action == "quit":
                stopped = "user"
                break
            if is_camera and now.step.kind == "hold" and now.phase == "run" and \
                    _cp_done(view.state, now.step, now_s=frame.t_s, config=config):
                timeline.end_step_at(frame.t_s)
    except KeyboardInterrupt:
        stopped = "interrupted"
    finally:
        src.close()
        if win is not None:
            win.close()
    notes = list(getattr(src, "notes", ()))
    ended = getattr(src, "ended_reason", None)
    if ended:
        notes.append(ended)
    if stopped:
        notes.append("assessment stopped by the user" if stopped == "user" else "assessment interrupted")
    if timeline is None:
        session.close()
        raise BreathcamError(f"no frame from {source}: the camera steps could not run")
    analysis = session.finish(notes=tuple(notes))
    results = []
    for s in timeline.steps:
        if s.kind in timeline.skipped:
            status = "skipped"
        elif t_last is None or t_last < s.run_s:
            status = "not done"
        elif t_last < s.end_s - 1.0 / max(1.0, getattr(getattr(src, "info", None), "fps_nominal", 30.0) or 30.0) - 0.1:
            status = "cut short"
        else:
            status = "done"
        if status == "not done":
            results.append(StepResult(s.kind, status))
        else:
            results.append(StepResult(s.kind, status, round(s.run_s, 3), round(min(s.end_s, t_last), 3)))
    return analysis, timeline, results, notes


def _act(action: str | None, timeline: Timeline, t_s: float) -> None:
    if action == "skip":
        timeline.skip(t_s)
    elif action == "mark":
        timeline.mark(t_s)


def _display_available() -> bool:
    import os

    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _source_name(source) -> str:
    if isinstance(source, int) or (isinstance(source, str) and source.isdigit() and not Path(source).exists()):
        return f"camera {int(source)}"
    return str(getattr(getattr(source, "info", None), "name", source)) if not isinstance(source, (str, Path)) else str(source)
