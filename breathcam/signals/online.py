"""The live analyzer: frames in, a :class:`~breathcam.types.LiveState` out.

It runs the batch path's own steps on a sliding window, with streaming state between calls:

- every frame goes through the front end that ``breathcam analyze`` uses too
  (:class:`~breathcam.capture.frontend.FrontEnd`: torso located, its motion tracked, a few floats
  logged per frame), and the raw chest/belly sums feed the scrolling waveform;
- every ``[live] update_interval_s`` the last ``[live] window_s`` of motion is resampled and the
  analysis core (:func:`breathcam.signals.core.analyse`, the batch chain: breaths, holds, rate,
  chest vs belly, movement) runs on it; breaths and holds that lie far enough from the window's
  end to be final are *committed* (kept, never revised) and later windows add only what is new;
- every ``[live] hold_check_interval_s`` :func:`breathcam.signals.holds.flat_mask` (the batch
  holds' flatness test) looks at the end of the window: a flat run at least
  ``[live] open_hold_min_s`` long, after a movement, is an *open hold* (still going on), so a hold
  is flagged within about 3 s of its start instead of after it ends.  Once the window's batch
  holds (:func:`~breathcam.signals.holds.find_holds`) report the hold as open (``Hold.open``),
  their label is the live one too; a flagged run that the batch holds still do not report after
  ``[live] open_hold_confirm_s`` is dropped (the slow end of a breath, not a hold).

The rate shown leaves the holds out, as the batch rate does: the holds of the window, the
committed ones and the open one (:func:`rate_outside_holds`: breaths inside them dropped, their
time not counted, the periodicity measured on the breathing around them).  During a hold, and
after one until the breaths around it give a reading, the last reading stays.

:meth:`OnlineAnalyzer.session_analysis` turns everything measured into the analysis contract with
the same core (one pass over the whole session's log).

Where it fails: the first ``[live] min_analysis_s`` give no breaths and no rate; a change of
breathing rate shows in the rate after up to half a window; corrections (sway reference,
chest/belly weights) are chosen per window, so the trace can change its scale when a window
chooses differently; a very slow exhale tail followed by a natural pause can be flagged as an open
hold that the batch path does not confirm (it is then not committed, and the flag is dropped after
``open_hold_confirm_s``); the reading kept after a hold can be up to a window old when the
breathing after it never gives a confident rate (it goes once the hold leaves the window, or at
once when nobody is in view).
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace

import numpy as np

from breathcam.config import DEFAULT, Config
from breathcam.signals.core import analyse, breathing_periodicity, outside_holds, rate_outside_holds
from breathcam.signals.holds import flat_mask
from breathcam.signals.rate import clip_rate
from breathcam.types import Analysis, Breath, Frame, Hold, LiveState, MotionTraces, Repetition, TorsoRegions

__all__ = ["OnlineAnalyzer", "open_hold", "merge_breaths", "merge_holds", "rate_outside_holds"]  # the last from core


def _flat_end(traces: MotionTraces, *, breaths: tuple[Breath, ...], config: Config):
    """(index where the flat run at the end of ``traces`` starts, the flatness), or (None, flatness)
    when the last sample is not flat (or not usable)."""
    x = np.asarray(traces.breathing, dtype=float)
    fm = flat_mask(
        x, fs_hz=traces.fs_hz, breaths=breaths, t0_s=float(traces.t_s[0]), config=config.holds,
        filters=config.filters, valid=traces.valid, moving=traces.moving,
    )
    flat, usable = fm.flat, fm.usable
    if not (flat[-1] and usable[-1]):
        return None, fm
    i = flat.size - 1
    while i > 0 and flat[i - 1]:
        i -= 1
    return i, fm


def open_hold(
    traces: MotionTraces, *, breaths: tuple[Breath, ...] = (), config: Config = DEFAULT
) -> tuple[float, str] | None:
    """(start time, "inhale"|"exhale") of a hold still going on at the end of ``traces``, or None.

    The trace must be flat (:func:`flat_mask`, the batch holds' test) from the start time to its
    last sample for at least ``config.live.open_hold_min_s`` and must have moved by at least
    ``config.live.open_hold_move_fraction`` of the typical breath depth in the ``holds.context_s``
    before it: the end of a recording of someone who never moved is not a hold.  It is labelled
    as the batch holds label an open one: after inhale when the level rose into it by more than it
    fell.
    """
    fs = traces.fs_hz
    if np.asarray(traces.breathing).size < 4 or not len(traces.t_s):
        return None
    i, fm = _flat_end(traces, breaths=breaths, config=config)
    if i is None:
        return None
    level, usable = fm.level, fm.usable
    if (level.size - i) / fs < config.live.open_hold_min_s or i == 0:
        return None
    k = max(0, i - int(round(config.holds.context_s * fs)))
    before = level[k:i]
    if before.size == 0:
        return None
    if breaths:
        depth = float(np.median([b.depth for b in breaths]))
    else:
        depth = float(np.ptp(level[usable])) if usable.any() else 0.0
    held = float(np.median(level[i:]))
    rose, fell = held - float(before.min()), float(before.max()) - held
    if depth <= 0 or max(rose, fell) < config.live.open_hold_move_fraction * depth:
        return None
    return float(traces.t_s[i]), ("inhale" if rose > fell else "exhale")


def merge_breaths(
    committed: tuple[Breath, ...], found: tuple[Breath, ...], *, final_before_s: float
) -> tuple[Breath, ...]:
    """``committed`` plus the breaths of ``found`` that are new (their middle lies after the last
    committed end) and final (they end before ``final_before_s``).  A new breath that starts a
    little before the last committed end is trimmed to start there (breaths stay contiguous)."""
    out = list(committed)
    last_end = out[-1].end if out else -np.inf
    for b in found:
        mid = 0.5 * (b.inhale_start + b.end)
        if mid <= last_end or b.end > final_before_s:
            continue
        if b.inhale_start < last_end:
            b = replace(b, inhale_start=last_end)
        out.append(b)
        last_end = b.end
    return tuple(out)


def merge_holds(committed: tuple[Hold, ...], found: tuple[Hold, ...], *, final_before_s: float) -> tuple[Hold, ...]:
    """``committed`` plus the holds of ``found`` that start after the last committed one ends and
    end before ``final_before_s``."""
    out = list(committed)
    last_end = out[-1].end if out else -np.inf
    for h in found:
        if h.start >= last_end and h.end <= final_before_s:
            out.append(h)
            last_end = h.end
    return tuple(out)


class OnlineAnalyzer:
    """Streams frames into breaths, holds, rate and an open-hold flag (see the module docstring).

    ``update(frame)`` must be called for every frame in order of time; it returns the current
    :class:`LiveState`.  Analysis runs inside ``update`` at the configured intervals, so an
    occasional frame costs more (see benchmarks/live.py for the figures).  ``front`` (a
    :class:`~breathcam.capture.frontend.FrontEnd`) is made with the config when not given.
    """

    def __init__(self, *, config: Config = DEFAULT, front=None) -> None:
        from breathcam.capture.frontend import FrontEnd

        self.config = config
        self.front = front if front is not None else FrontEnd(config=config)
        n_wave = int(np.ceil(config.live.wave_s * config.live.wave_max_fps))
        self._wave: deque[tuple[float, float, float]] = deque(maxlen=n_wave)
        self._breaths: tuple[Breath, ...] = ()
        self._holds: tuple[Hold, ...] = ()
        self._rate: float | None = None
        self._rate_conf = 0.0
        self._open: tuple[float, str] | None = None
        self._batch_open = False  # the open hold is one the window's batch holds report open
        self._vetoed: float | None = None  # start of a flagged run the batch holds did not confirm
        self._t_first: float | None = None
        self._t_last = 0.0
        self._next_analysis = -np.inf
        self._next_hold_check = -np.inf
        self._window_breaths: tuple[Breath, ...] = ()
        self._belly_share: float | None = None
        self._pattern_label = "unknown"
        self._regions: TorsoRegions | None = None
        self._notes: tuple[str, ...] = ()
        self._moving = False
        self._unmeasured = 0.0
        self._reps: tuple[Repetition, ...] = ()
        self.analysis_runs = 0

    # -- streaming ------------------------------------------------------------------------------

    def update(self, frame: Frame) -> LiveState:
        cfg = self.config.live
        sample = self.front.step(frame)
        t = frame.t_s
        if self._t_first is None:
            self._t_first = t
        self._t_last = t
        self._regions = self.front.regions
        if sample.valid:
            self._wave.append((t, sample.chest, sample.belly))
        elapsed = t - self._t_first
        if elapsed >= cfg.min_analysis_s and (t >= self._next_analysis or t >= self._next_hold_check):
            full = t >= self._next_analysis
            self._analyse(t, full=full)
            self._next_hold_check = t + cfg.hold_check_interval_s
            if full:
                self._next_analysis = t + cfg.update_interval_s
        return self.state

    def _analyse(self, t: float, *, full: bool) -> None:
        cfg = self.config
        traces = self.front.recent_traces(window_s=cfg.live.window_s)
        if traces.t_s.size < 4:
            self._open = None
            return
        batch_open = None
        if full:
            self.analysis_runs += 1
            window = analyse(traces, source="live", config=cfg)
            self._window_breaths = window.breaths
            final_before = float(traces.t_s[-1]) - self._guard_s(window.breaths)
            self._holds = merge_holds(self._holds, window.holds, final_before_s=final_before)
            # a breath committed while its hold was not yet known is the ripple of the held trace
            self._breaths = outside_holds(
                merge_breaths(self._breaths, window.breaths, final_before_s=final_before), self._holds,
                tolerance_s=cfg.holds.edge_tolerance_s,
            )
            opened = [h for h in window.holds if h.open and not _moved_during(traces, h)]
            batch_open = opened[-1] if opened else None
            self._update_rate(traces, window, batch_open)
            self._pattern_label = window.pattern.label
            # a share for the gauge even before the pattern has enough breaths (display only)
            self._belly_share = window.pattern.belly_share if window.pattern.belly_share is not None else _belly_share(traces, config=cfg)
            self._notes = window.quality.notes
            # repetitions finished (back at rest) before the window's last second are final
            done = float(traces.t_s[-1]) - cfg.live.update_interval_s
            self._reps = () if window.movement is None else tuple(r for r in window.movement.reps if r.end <= done)
        self._moving = bool(traces.moving is not None and traces.moving[-1])
        recent = traces.t_s >= traces.t_s[-1] - cfg.coach.motion_window_s
        self._unmeasured = float(1.0 - np.mean(traces.valid[recent])) if recent.any() else 0.0
        self._update_open(traces, t, batch_open=batch_open, full=full)

    def _update_open(self, traces: MotionTraces, t: float, *, batch_open: Hold | None, full: bool) -> None:
        """The open hold: the quick flat test flags it early; the window's batch holds, once they
        report it open, give its label; a flag they still do not confirm after
        ``open_hold_confirm_s`` is dropped, and that run is not flagged again."""
        cfg = self.config.live
        merge = cfg.open_hold_merge_s
        if batch_open is not None:
            if self._open is not None and abs(self._open[0] - batch_open.start) <= merge:
                self._open = (self._open[0], batch_open.after)
            else:
                self._open = (batch_open.start, batch_open.after)
            self._batch_open = True
            return
        found = open_hold(traces, breaths=self._window_breaths, config=self.config)
        if found is None and self._open is not None and self._batch_open and not full:
            # the quick test may miss a hold the batch holds found (little movement into it):
            # it stays open while the end of the trace is flat
            i, _ = _flat_end(traces, breaths=self._window_breaths, config=self.config)
            if i is not None and float(traces.t_s[i]) <= self._open[0] + merge:
                return
        if found is None:
            self._open, self._batch_open = None, False
            return
        if self._vetoed is not None and abs(found[0] - self._vetoed) <= merge:
            return
        if self._open is None or found[0] > self._open[0] + merge:
            self._open, self._batch_open = found, False
        # else: the same hold, still going on; its start stays where it was first seen
        if full and not self._batch_open and t - self._open[0] >= cfg.open_hold_confirm_s:
            self._vetoed = self._open[0]
            self._open = None

    def _update_rate(self, traces: MotionTraces, window: Analysis, batch_open: Hold | None) -> None:
        """The rate shown: the window's, with every known hold left out (rate_outside_holds); the
        last reading stays during a hold and after one until the breaths around it give one."""
        t0, t1 = float(traces.t_s[0]), float(traces.t_s[-1])
        known = {(h.start, h.end): h for h in window.holds}
        for h in self._holds:
            if h.end >= t0 and h.start <= t1 and not any(h.start <= k[1] and k[0] <= h.end for k in known):
                known[(h.start, h.end)] = h
        if self._open is not None and batch_open is None and self._open[0] < t1:
            known[(self._open[0], t1)] = Hold(self._open[0], t1, self._open[1], 1.0, open=True)
        holds = tuple(sorted(known.values(), key=lambda h: h.start))
        if not holds:
            rate, conf = window.rate_bpm, window.quality.confidence
        elif self._open is not None and self._rate is not None and self.front.person_seen:
            return  # holding: nothing new to count, the last reading stays
        else:
            rate, rate_conf = rate_outside_holds(traces, window.breaths, holds, config=self.config)
            # the window's confidence, with its rate part measured outside the holds
            _, window_rate_conf = clip_rate(
                window.breaths, periodicity=breathing_periodicity(traces, (), config=self.config), holds=window.holds,
                config=self.config.rate,
            )
            conf = rate_conf * min(1.0, window.quality.confidence / window_rate_conf) if window_rate_conf > 0 else rate_conf
            if rate is None and self._rate is not None and self.front.person_seen:
                return  # just after a hold: the last reading stays until the breaths around it give one
        self._rate, self._rate_conf = rate, conf

    def flush(self) -> LiveState:
        """The session ends: one last analysis commits every breath and hold up to the end (as
        the batch path would), and no hold is open any more."""
        traces = self.front.recent_traces(window_s=self.config.live.window_s)
        if traces.t_s.size >= 4 and self._t_first is not None:
            window = analyse(traces, source="live", config=self.config)
            end = float(traces.t_s[-1])
            self._breaths = merge_breaths(self._breaths, window.breaths, final_before_s=end)
            self._holds = merge_holds(self._holds, window.holds, final_before_s=end)
            self._rate, self._rate_conf = window.rate_bpm, window.quality.confidence
        self._open = None
        return self.state

    def _guard_s(self, breaths: tuple[Breath, ...]) -> float:
        # Boundaries near the window's end move as the next samples arrive (filter edges, the
        # breath after not yet seen): only breaths ending this long before the end are final.
        typical = float(np.median([b.duration_s for b in breaths])) if breaths else 0.0
        return max(self.config.live.commit_guard_s, self.config.live.commit_guard_breaths * typical)

    # -- results --------------------------------------------------------------------------------

    @property
    def state(self) -> LiveState:
        cfg = self.config.live
        w = np.array(self._wave, dtype=float).reshape(-1, 3)
        if len(w):
            keep = w[:, 0] >= self._t_last - cfg.wave_s
            w = w[keep]
        return LiveState(
            t_s=self._t_last,
            rate_bpm=self._rate,
            rate_confidence=float(self._rate_conf),
            breaths=self._breaths,
            holds=self._holds,
            open_hold_start_s=None if self._open is None else self._open[0],
            open_hold_after=None if self._open is None else self._open[1],
            regions=self._regions,
            person_seen=self.front.person_seen,
            wave_t_s=w[:, 0],
            wave_chest=w[:, 1],
            wave_belly=w[:, 2],
            wave_breathing=w[:, 1] + w[:, 2],
            belly_share=self._belly_share,
            pattern_label=self._pattern_label,
            notes=self._notes,
            moving=self._moving,
            reps=self._reps,
            unmeasured_share=self._unmeasured,
        )

    def committed_rate(self) -> tuple[float | None, float]:
        """The rate over every committed breath, with its confidence (the batch clip_rate)."""
        return clip_rate(self._breaths, holds=self._holds, config=self.config.rate)

    def session_traces(self) -> MotionTraces:
        """Everything measured so far, resampled (one pass over the whole log)."""
        return self.front.traces()

    def session_analysis(self, *, source: str, notes: tuple[str, ...] = ()) -> Analysis:
        """The analysis contract for the session so far: the batch core over the whole log, with
        the caller's ``notes`` and the locator's (and the "nobody in view" rule)."""
        return analyse(
            self.session_traces(), source=source, config=self.config,
            notes=tuple(dict.fromkeys(notes + self.front.notes)), person_seen=self.front.person_seen,
        )

    def recalibrate(self) -> None:
        """Find the torso afresh; what was measured is kept."""
        self.front.recalibrate()

    def close(self) -> None:
        self.front.close()


def _moved_during(traces: MotionTraces, hold: Hold) -> bool:
    """The whole body moved (squats, lifting) during ``hold``: the window's batch holds then see
    the stabilised trace, which is no evidence that the breath is held now (the quick flat test,
    which knows the movement, decides instead)."""
    if traces.moving is None:
        return False
    inside = (traces.t_s >= hold.start) & (traces.t_s <= hold.end)
    return bool(np.any(np.asarray(traces.moving)[inside]))


def _belly_share(traces: MotionTraces, *, config: Config) -> float | None:
    """Belly's share of the breathing motion over the window (display only): band-passed RMS of
    the belly over the sum of both RMS; None when neither moves."""
    from breathcam.signals.filters import bandpass

    ok = traces.valid
    if ok.sum() < config.live.min_analysis_s * traces.fs_hz:
        return None
    f = config.filters
    c = bandpass(traces.chest, fs_hz=traces.fs_hz, low_hz=f.low_hz, high_hz=f.high_hz, order=f.order)[ok]
    b = bandpass(traces.belly, fs_hz=traces.fs_hz, low_hz=f.low_hz, high_hz=f.high_hz, order=f.order)[ok]
    rc, rb = float(np.std(c)), float(np.std(b))
    if rc + rb <= 0:
        return None
    return rb / (rc + rb)
