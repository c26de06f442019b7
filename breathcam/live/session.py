"""One live session as an object with no window in it: frames and sound in, what to draw out.

:class:`LiveSession` holds everything a session keeps between frames: the online video analyzer
(signals.online), the live sound analysis (signals.sound.SoundAnalyzer), the pacer with its
:class:`PauseClock`, the coach's feedback engine, and the microphone's status.  ``step(frame,
sound_blocks)`` takes one frame and the sound that arrived with it and returns a :class:`View`
(state, pacer, cue, compliance, sound level, a fault notice): what a sink draws.  ``finish()``
returns the session's :class:`~breathcam.types.Analysis`: the batch analysis core over everything
the camera saw, fused with everything the microphone heard by the batch's own
:func:`breathcam.signals.fuse.fuse`, with the notes (a microphone fault said once).

Sound blocks are :class:`~breathcam.capture.audio.MicBlock` whose ``t_s`` is on the session's
clock (the frames' ``t_s``); the loop (live.run) moves the microphone's monotonic times there.
The live rate is the video's while it has one; the live sound estimate (recomputed every
``[live] sound_update_interval_s``) is fused with it by the same ``fuse`` (agreement raises the
confidence; sound carries the rate when the video has none: nobody in view, or too still).

The session's sound is kept at the internal rate (32 KB a second, ``[live] session_sound_max_s``)
and analysed once at the end as a recording is (signals.sound.analyze_audio_samples).

A microphone that stalls and comes back leaves a gap: it is filled with noise at the sound's
typical level lately (``[live] sound_gap_fill_s``), so later sound times stay on the session's clock.

Where it fails: sound is analysed during a pause too (its timeline is its sample count, so it is
never cut); a stall of more than a breath still weakens the sound's rate (a stretch without a
rhythm) and its breath sounds are lost.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Sequence

import numpy as np

from breathcam.config import DEFAULT, Config
from breathcam.types import Analysis, BreathcamError, Frame, LiveState, Pattern, Quality

if TYPE_CHECKING:
    from breathcam.capture.audio import MicBlock
    from breathcam.coach.pacer import PacerState
    from breathcam.signals.sound import SoundLevel, SoundResult

__all__ = ["PauseClock", "View", "LiveSession", "MIC_FAULTS"]

# Microphone statuses (capture.audio.LiveMicrophone) under which the session goes on with video alone.
MIC_FAULTS = ("unavailable", "lost", "muted")


class PauseClock:
    """Session time without the pauses: the pacer's clock.

    Times are whatever clock the caller uses (the session uses the frames' ``t_s``)::

        >>> c = PauseClock(0.0)
        >>> c.toggle(10.0); c.paused
        True
        >>> c.elapsed(14.0)            # paused at 10 s: the clock stands still
        10.0
        >>> c.toggle(15.0); c.elapsed(20.0)
        15.0
    """

    def __init__(self, start_s: float = 0.0) -> None:
        self.start_s = float(start_s)
        self.paused_total_s = 0.0
        self._since: float | None = None

    @property
    def paused(self) -> bool:
        return self._since is not None

    def pause(self, now_s: float) -> None:
        if self._since is None:
            self._since = float(now_s)

    def resume(self, now_s: float) -> None:
        if self._since is not None:
            self.paused_total_s += max(0.0, float(now_s) - self._since)
            self._since = None

    def toggle(self, now_s: float) -> None:
        if self.paused:
            self.resume(now_s)
        else:
            self.pause(now_s)

    def elapsed(self, now_s: float) -> float:
        """Seconds since ``start_s`` less every pause (the current one up to ``now_s``)."""
        current = max(0.0, float(now_s) - self._since) if self._since is not None else 0.0
        return max(0.0, float(now_s) - self.start_s - self.paused_total_s - current)


@dataclass(frozen=True)
class View:
    """What one step of a session gives a sink to draw."""

    state: LiveState  # rate (fused with sound), breaths, holds, regions, waveform
    pacer: PacerState | None = None  # during an exercise
    pacer_text: str | None = None
    compliance: float | None = None  # 0..1, the exercise's score so far
    message: str | None = None  # the coach's current cue
    warn: bool = False
    sound: SoundLevel | None = None  # the sound meter (None: no sound yet, or no microphone)
    mic_status: str | None = None  # None: no microphone asked for; else a LiveMicrophone status
    notice: str | None = None  # a microphone fault, said once for [live] mic_notice_s
    sources: tuple[str, ...] = ("video",)  # what the shown rate comes from
    done: bool = False  # the exercise's pacer finished, or --duration is reached


def _coach():
    """The coach modules, or None while they are not installed (plain live sessions still run)."""
    try:
        from breathcam.coach import compliance, exercises, feedback, pacer, safety

        return {"compliance": compliance, "exercises": exercises, "feedback": feedback, "pacer": pacer, "safety": safety}
    except ImportError:
        return None


class LiveSession:
    """A live session (see the module docstring).

    ``exercise`` is an :class:`~breathcam.coach.exercises.Exercise` (or None); ``sound`` says
    whether a microphone was asked for (its blocks come through ``step``, its status through
    :meth:`mic_status`).  ``front`` is handed to the online analyzer (a FrontEnd with a fixed
    locator in tests).
    """

    def __init__(
        self,
        *,
        config: Config = DEFAULT,
        lang: str = "en",
        exercise=None,
        cycles: int | None = None,
        duration_s: float | None = None,
        sound: bool = False,
        source: str = "live",
        front=None,
    ) -> None:
        from breathcam.signals.online import OnlineAnalyzer

        if lang not in ("en", "nl"):
            raise BreathcamError(f"unknown language {lang!r}; choose en or nl")
        self.config = config
        self.lang = lang
        self.exercise = exercise
        self.cycles = cycles
        self.duration_s = duration_s
        self.source = source
        self.coach = _coach()
        if exercise is not None and self.coach is None:
            raise BreathcamError("exercises need the breathcam.coach package, which is not installed")
        self.analyzer = OnlineAnalyzer(config=config, front=front)
        self.engine = self.coach["feedback"].FeedbackEngine(config=config.coach, lang=lang) if self.coach else None
        self.clock: PauseClock | None = None
        self.t_first: float | None = None
        self.t_last = 0.0
        self.frames = 0  # frames analysed (not paused)
        self.stopped: str | None = None  # "distress" when the coach stopped the exercise
        self.flagged: dict[float, float] = {}  # open hold start -> time first flagged
        self._last_compliance = None
        self._next_compliance = -math.inf
        # sound
        self.sound_wanted = bool(sound)
        self._mic_status: str | None = "ok" if sound else None  # run_live reports the real one
        self._mic_notes: list[str] = []
        self._notice: tuple[str, float] | None = None  # (text, until t_s)
        self._noticed: set[str] = set()
        self._live_sound = None  # SoundAnalyzer over [sound] live_window_s
        self._kept: list[np.ndarray] = []  # the session's sound at the internal rate
        self._kept_n = 0
        self._sound_fs_hz = float(config.sound.sample_rate_hz)
        self._sound_t0_s = 0.0
        self._sound_result: SoundResult | None = None
        self._next_sound = -math.inf
        self._sound_end_s: float | None = None
        self.sound_seconds = 0.0  # seconds of sound analysed
        self.sound_gap_s = 0.0  # seconds of silence put in where the microphone stalled
        self.sound_before_s = 0.0  # seconds heard before the first frame (left out)
        self.sound_cpu_s = 0.0  # CPU time of the sound analysis (push, level, the live estimate)
        self._sound_at = -math.inf  # when the shown sound reading was made
        self.sound_runs = 0

    # -- inputs -----------------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self.clock is not None and self.clock.paused

    def toggle_pause(self) -> None:
        """Pause or go on (frames are shown, not analysed; the pacer waits)."""
        if self.clock is not None:
            self.clock.toggle(self.t_last)

    def recalibrate(self) -> None:
        """Find the torso afresh; what was measured is kept."""
        self.analyzer.recalibrate()

    def mic_status(self, status: str, message: str = "", *, t_s: float | None = None) -> None:
        """The microphone's status changed (capture.audio.LiveMicrophone: ok, unavailable, lost,
        muted).  A fault is said once: on screen for ``[live] mic_notice_s`` and in the notes."""
        self._mic_status = status
        if status not in MIC_FAULTS:
            return
        if message and message not in self._mic_notes:
            self._mic_notes.append(message)
        if status not in self._noticed:
            from breathcam.overlay.sound_meter import mic_text

            self._noticed.add(status)
            t = self.t_last if t_s is None else t_s
            self._notice = (mic_text(status, self.lang), t + self.config.live.mic_notice_s)

    def push_sound(self, blocks: Sequence[MicBlock]) -> None:
        """Sound on the session's clock; samples before the session's first frame are left out."""
        c0 = time.thread_time()
        self._push_sound(blocks)
        self.sound_cpu_s += time.thread_time() - c0

    def _push_sound(self, blocks: Sequence[MicBlock]) -> None:
        for b in blocks:
            x = np.asarray(b.samples, dtype=np.float32)
            t0 = float(b.t_s)
            if t0 < 0.0:
                skip = int(math.ceil(-t0 * b.fs_hz))
                x, t0 = x[skip:], t0 + skip / b.fs_hz
            if x.size == 0:
                self.sound_before_s += b.samples.size / b.fs_hz
                continue
            self.sound_before_s += (b.samples.size - x.size) / b.fs_hz
            if self._live_sound is None:
                self._start_sound(t0, fs_hz=b.fs_hz)
            else:
                x, t0 = self._on_timeline(x, t0, fs_hz=b.fs_hz)
                if x.size == 0:
                    continue
            self._live_sound.push(x)
            self._keep(x.copy())
            self.sound_seconds += x.size / b.fs_hz
            self._sound_end_s = t0 + x.size / b.fs_hz

    def _on_timeline(self, x: np.ndarray, t0: float, *, fs_hz: float) -> tuple[np.ndarray, float]:
        """A block joined to the sound before it: a gap (a stalled microphone) filled with silence,
        samples overlapping what came before dropped (see ``[live] sound_gap_fill_s``)."""
        end = self._sound_end_s
        gap = t0 - end
        if gap > self.config.live.sound_gap_fill_s:
            n = int(round(gap * fs_hz))
            self.sound_gap_s += n / fs_hz
            return np.concatenate([self._room_tone(n), x]), end
        if gap < -0.5 / fs_hz:
            skip = min(x.size, int(round(-gap * fs_hz)))
            return x[skip:], t0 + skip / fs_hz
        return x, t0

    def _room_tone(self, n: int) -> np.ndarray:
        """``n`` samples of noise at the sound's typical level lately: what a stall is filled with,
        neither a breath nor a pause to the sound analysis (see ``[live] sound_gap_percentile``)."""
        c = self.config.live
        recent = self._kept[-c.sound_gap_blocks:]
        rms = [float(np.sqrt(np.mean(np.square(k, dtype=np.float64)))) for k in recent if k.size]
        level = float(np.percentile(rms, c.sound_gap_percentile)) if rms else 0.0
        rng = np.random.default_rng(n)
        return (rng.standard_normal(n) * level).astype(np.float32)

    def _start_sound(self, t0_s: float, *, fs_hz: float) -> None:
        from breathcam.signals.sound import SoundAnalyzer

        cfg = self.config
        self._live_sound = SoundAnalyzer(fs_hz=fs_hz, config=cfg, t0_s=t0_s)
        self._sound_fs_hz = float(fs_hz)
        self._sound_t0_s = float(t0_s)
        self._next_sound = self.t_last + cfg.live.sound_update_offset_s

    def _keep(self, x: np.ndarray) -> None:
        """The session's sound, for the analysis at the end (the last [live] session_sound_max_s)."""
        self._kept.append(x)
        self._kept_n += x.size
        limit = int(self.config.live.session_sound_max_s * self._sound_fs_hz)
        while self._kept_n - self._kept[0].size >= limit and len(self._kept) > 1:
            old = self._kept.pop(0)
            self._kept_n -= old.size
            self._sound_t0_s += old.size / self._sound_fs_hz

    # -- one frame --------------------------------------------------------------------------------

    def step(self, frame: Frame, sound_blocks: Sequence[MicBlock] = ()) -> View:
        """One frame (and the sound that came with it) -> what to draw."""
        cfg = self.config
        if self.t_first is None:
            self.t_first = frame.t_s
            self.clock = PauseClock(frame.t_s)
        self.t_last = frame.t_s
        self.push_sound(sound_blocks)
        if self.paused:
            state = replace(self.analyzer.state, paused=True, t_s=frame.t_s)
        else:
            state = self.analyzer.update(frame)
            self.frames += 1
            if state.open_hold_start_s is not None:
                self.flagged.setdefault(state.open_hold_start_s, frame.t_s)
        if self._live_sound is not None and frame.t_s >= self._next_sound:
            self._next_sound = frame.t_s + cfg.live.sound_update_interval_s
            if self._live_sound.seconds >= cfg.sound.min_duration_s:
                c0 = time.thread_time()
                r = self._live_sound.result()
                self.sound_cpu_s += time.thread_time() - c0
                self.sound_runs += 1
                # a reading that hears no rhythm replaces a confident one only after
                # [live] sound_keep_s (a dip of one window does not blank a sound-only rate)
                confident = r.rate_bpm is not None and r.confidence >= cfg.sound.fuse_min_sound_confidence
                if confident or frame.t_s - self._sound_at > cfg.live.sound_keep_s:
                    self._sound_result, self._sound_at = r, frame.t_s
        state, sources = self._fused(state)
        coach = self.coach
        ex = self.exercise
        ex_t = self.clock.elapsed(frame.t_s)
        pacer = pacer_text = None
        if ex is not None and self.stopped is None:
            pacer = coach["pacer"].pacer_state(ex, ex_t, cycles=self.cycles, duration_s=self.duration_s)
            pacer_text = coach["pacer"].phase_name(pacer.phase, self.lang)
        message, warn = None, False
        if self.engine is not None and not self.paused:
            self.engine.update(_coach_input(coach, state, pacer=pacer, ex=ex, image=frame.image, config=cfg))
            ev = self.engine.current(frame.t_s)
            if ev is not None:
                message, warn = ev.message, ev.code in ("distress_stop", "hyperventilation")
                if ev.code == "distress_stop" and ex is not None and self.stopped is None:
                    self.stopped = "distress"
        if ex is not None and frame.t_s >= self._next_compliance:
            self._next_compliance = frame.t_s + cfg.live.update_interval_s
            self._last_compliance = coach["compliance"].compliance(
                ex, breaths=state.breaths, holds=state.holds, t0_s=self.t_first, t_end_s=frame.t_s
            )
        notice = None
        if self._notice is not None:
            if frame.t_s <= self._notice[1]:
                notice = self._notice[0]
            else:
                self._notice = None
        done = bool(pacer is not None and pacer.done) or (
            ex is None and self.duration_s is not None and frame.t_s - self.t_first >= self.duration_s
        )
        return View(
            state=state,
            pacer=pacer,
            pacer_text=pacer_text,
            compliance=None if self._last_compliance is None else self._last_compliance.score,
            message=message,
            warn=warn,
            sound=self.sound_level(),
            mic_status=self._mic_status,
            notice=notice,
            sources=sources,
            done=done,
        )

    def sound_level(self) -> SoundLevel | None:
        if self._live_sound is None or self._mic_status in MIC_FAULTS:
            return None
        return self._live_sound.level()

    def _fused(self, state: LiveState) -> tuple[LiveState, tuple[str, ...]]:
        """The live state with its rate fused with the live sound estimate (signals.fuse.fuse, as
        batch): a video reading and a sound reading that agree raise the confidence; sound alone
        carries the rate when the video has none."""
        sr = self._sound_result
        if sr is None or self._mic_status in ("unavailable", "lost"):
            return state, ("video",)
        from breathcam.signals.fuse import fuse

        video = Analysis(
            source=self.source, duration_s=max(0.0, state.t_s - (self.t_first or 0.0)), rate_bpm=state.rate_bpm,
            rate_series=(), breaths=(), holds=(), pattern=Pattern(),
            quality=Quality(float(state.rate_confidence), 1.0 if state.person_seen else 0.0, ()),
        )
        f = fuse(video, sr, config=self.config)
        return replace(state, rate_bpm=f.rate_bpm, rate_confidence=float(f.quality.confidence)), tuple(f.sources)

    # -- the end ----------------------------------------------------------------------------------

    def sound_result(self) -> SoundResult | None:
        """Everything the microphone heard, analysed as a recording would be (None: nothing heard,
        or less than ``[sound] min_duration_s``)."""
        if self._kept_n < self.config.sound.min_duration_s * self._sound_fs_hz:
            return None
        from breathcam.capture.audio import to_internal
        from breathcam.signals.sound import analyze_audio_samples

        audio = to_internal(np.concatenate(self._kept), fs_hz=self._sound_fs_hz, name="microphone", kind="microphone",
                            config=self.config.sound)
        return analyze_audio_samples(replace(audio, t0_s=self._sound_t0_s), config=self.config)

    def finish(self, *, notes: Sequence[str] = ()) -> Analysis:
        """The session's analysis: the batch core over every frame analysed, fused with the session's
        sound by :func:`breathcam.signals.fuse.fuse`; ``notes`` (the source's, why it ended) and the
        microphone's faults are added once each."""
        from breathcam.signals.fuse import fuse

        self.analyzer.flush()
        notes = tuple(notes)
        if self.stopped == "distress":
            notes += ("exercise stopped: breathing looked distressed",)
        notes += tuple(self._mic_notes)
        if self.sound_wanted and self._live_sound is None and not self._mic_notes:
            notes += ("microphone: no sound arrived; video alone",)
        analysis = self.analyzer.session_analysis(source=self.source, notes=tuple(dict.fromkeys(notes)))
        self.close()
        sound = self.sound_result()
        if sound is not None:
            analysis = fuse(analysis, sound, config=self.config)
        if self.engine is not None:
            analysis = replace(analysis, feedback=tuple(self.engine.events))
        ex = self.exercise
        if ex is not None:
            tr = analysis.traces
            t0 = self.t_first or 0.0
            final = self.coach["compliance"].compliance(
                ex, breaths=analysis.breaths, holds=analysis.holds, t0_s=t0,
                t_end_s=float(tr.t_s[-1]) if tr is not None and len(tr.t_s) else t0,
                trace_t_s=None if tr is None else tr.t_s, trace=None if tr is None else tr.breathing,
            )
            analysis = replace(analysis, compliance=final)
        return analysis

    def committed_rate(self) -> tuple[float | None, float]:
        return self.analyzer.committed_rate()

    def close(self) -> None:
        """Free the pose model (safe twice)."""
        if not getattr(self, "_closed", False):
            self._closed = True
            self.analyzer.close()


def _too_dark(image: np.ndarray, *, config: Config) -> bool:
    small = image[:: config.live.dark_stride_px, :: config.live.dark_stride_px]
    return float(small.mean()) < config.live.dark_mean_grey


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
        too_much_motion=fb.too_much_motion(state, config=config.coach),
        belly_in_view=True if regions is None else bool(regions.belly_in_view),
        moving=state.moving,
        reps=state.reps,
    )
